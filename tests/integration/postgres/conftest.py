"""A migrated schema of this session's own in the processing database, emptied before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from eventkit.postgres.engine import make_engine
from eventkit.postgres.migrations import migrate
from eventkit.postgres.testing import temporary_schema
from tests.stack import StackEndpoints


@pytest.fixture(scope="session")
def pg_schema(stack: StackEndpoints) -> Iterator[str]:
    with temporary_schema(stack.processing_db_url, prefix="itest") as schema:
        yield schema


@pytest.fixture(scope="session")
def migrated_engine(stack: StackEndpoints, pg_schema: str) -> Iterator[Engine]:
    engine = make_engine(stack.processing_db_url, search_path=pg_schema, pool_size=12)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The session's engine on empty tables, with positions and ids starting again at 1."""
    with migrated_engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '5s'"))  # a leaked transaction fails, not hangs
        connection.execute(text("TRUNCATE events, outbox, inbox RESTART IDENTITY"))
        connection.execute(text("UPDATE outbox_relay_state SET last_position = 0"))
    return migrated_engine
