"""Migrations: idempotent, safe when processes start together, equal to schema.py, extensible by services."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from eventkit.postgres.engine import make_engine
from eventkit.postgres.migrations import EVENTKIT_HEAD, migrate
from eventkit.postgres.schema import metadata
from eventkit.postgres.testing import temporary_schema
from tests.stack import REPO_ROOT, StackEndpoints

SERVICE_REVISION = f'''
"""A service's first revision: a table that refers to eventkit's events."""
import sqlalchemy as sa
from alembic import op

revision = "svc_0001"
down_revision = None
branch_labels = ("svc",)
depends_on = "{EVENTKIT_HEAD}"


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("event_id", sa.Uuid, sa.ForeignKey("events.event_id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
'''


# Stands for a later eventkit release: the next revision on eventkit's branch.
NEXT_EVENTKIT_REVISION = f'''
import sqlalchemy as sa
from alembic import op

revision = "eventkit_0099"
down_revision = "{EVENTKIT_HEAD}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("eventkit_next", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("eventkit_next")
'''


def _tables(engine: Engine, schema: str) -> set[str]:
    query = text("SELECT table_name FROM information_schema.tables WHERE table_schema = :schema")
    with engine.connect() as connection:
        return set(connection.execute(query, {"schema": schema}).scalars())


def _versions(engine: Engine, schema: str) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(text(f"SELECT version_num FROM {schema}.alembic_version")).scalars())


def test_migrate_creates_a_missing_schema_and_running_it_again_changes_nothing(stack: StackEndpoints) -> None:
    schema = f"mig_{uuid.uuid4().hex[:12]}"
    engine = make_engine(stack.processing_db_url, pool_size=1)
    try:
        migrate(stack.processing_db_url, schema=schema)
        migrate(engine, schema=schema)

        assert _tables(engine, schema) == {
            "alembic_version",
            "events",
            "outbox",
            "outbox_relay_state",
            "inbox",
        }
        assert _versions(engine, schema) == [EVENTKIT_HEAD]
        with engine.connect() as connection:
            state = connection.execute(
                text(f"SELECT id, last_position FROM {schema}.outbox_relay_state")
            ).all()
            assert [tuple(row) for row in state] == [(1, 0)]
            assert connection.execute(text("SHOW search_path")).scalar_one() == '"$user", public'
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


def test_processes_starting_together_migrate_once_and_all_succeed(stack: StackEndpoints) -> None:
    with temporary_schema(stack.processing_db_url, prefix="mig") as schema:
        start = threading.Barrier(4)
        failures: list[BaseException] = []

        def start_up() -> None:
            start.wait()
            try:
                migrate(stack.processing_db_url, schema=schema)
            except BaseException as e:
                failures.append(e)

        threads = [threading.Thread(target=start_up) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert not any(thread.is_alive() for thread in threads)
        assert failures == []
        engine = make_engine(stack.processing_db_url, pool_size=1)
        assert _versions(engine, schema) == [EVENTKIT_HEAD]
        engine.dispose()


def test_processes_starting_together_migrate_once_and_all_succeed_across_processes(
    stack: StackEndpoints, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    with temporary_schema(stack.processing_db_url, prefix="mig") as schema:
        command = [sys.executable, "-m", "tests.integration.postgres.processes", "migrate"]
        processes = [
            subprocess.Popen(
                [*command, stack.processing_db_url, schema, str(go)],
                cwd=REPO_ROOT,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        go.touch()
        outcomes = [
            (process.wait(timeout=60), process.stderr.read() if process.stderr else "")
            for process in processes
        ]

        assert outcomes == [(0, "")] * 3
        engine = make_engine(stack.processing_db_url, pool_size=1)
        assert _versions(engine, schema) == [EVENTKIT_HEAD]
        engine.dispose()


def test_the_schema_module_describes_exactly_what_the_migrations_create(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, metadata)

    assert differences == []


def test_a_service_branch_runs_after_eventkit_and_later_eventkit_revisions_still_apply(
    stack: StackEndpoints, tmp_path: Path
) -> None:
    service_dir, eventkit_next_dir = tmp_path / "service", tmp_path / "eventkit_next"
    service_dir.mkdir()
    eventkit_next_dir.mkdir()
    (service_dir / "svc_0001_idempotency_keys.py").write_text(SERVICE_REVISION, encoding="utf-8")
    (eventkit_next_dir / "eventkit_0099_next.py").write_text(NEXT_EVENTKIT_REVISION, encoding="utf-8")
    engine = make_engine(stack.processing_db_url, pool_size=1)
    with temporary_schema(stack.processing_db_url, prefix="mig") as schema:
        migrate(engine, schema=schema)  # an existing eventkit-only database gains the service branch
        migrate(engine, schema=schema, extra_version_locations=[str(service_dir)])
        migrate(engine, schema=schema, extra_version_locations=[str(service_dir)])

        assert "idempotency_keys" in _tables(engine, schema)
        # Alembic records svc_0001 alone: it stands for eventkit_0001, which it depends on.
        assert _versions(engine, schema) == ["svc_0001"]

        migrate(engine, schema=schema, extra_version_locations=[str(service_dir), str(eventkit_next_dir)])

        assert "eventkit_next" in _tables(engine, schema)
        assert _versions(engine, schema) == ["eventkit_0099", "svc_0001"]
    with temporary_schema(stack.processing_db_url, prefix="mig") as schema:
        migrate(engine, schema=schema, extra_version_locations=[str(service_dir)])  # both from scratch

        assert {"events", "idempotency_keys"} <= _tables(engine, schema)
    engine.dispose()
