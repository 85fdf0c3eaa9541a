"""Upgrades a database to the newest schema of eventkit and of the calling service, one process at a time."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, func, select, text

from eventkit.postgres.engine import checked_schema_name, make_engine

ALEMBIC_DIR = Path(__file__).resolve().parent / "alembic"
VERSIONS_DIR = ALEMBIC_DIR / "versions"
EVENTKIT_BRANCH = "eventkit"
# The newest eventkit revision; a service's first revision `depends_on` it (README of migrate()).
EVENTKIT_HEAD = "eventkit_0003"
# Arbitrary, fixed, and distinct from any relay lock key: serializes start-up migrations per database.
MIGRATION_LOCK_KEY = 0x6576_6B74_6D69_6772  # "evktmigr"
# Alembic's `context` and `op` are module-global proxies: one upgrade at a time per process, whatever
# the database.
_ALEMBIC_IN_USE = threading.Lock()


def migrate(
    engine_or_url: Engine | str,
    *,
    extra_version_locations: Sequence[str] = (),
    schema: str | None = None,
) -> None:
    """Upgrades the database to every head (eventkit's and the given directories'); safe to run concurrently.

    `extra_version_locations` are a service's own revision directories; their first revision declares
    `depends_on = EVENTKIT_HEAD` (or a later eventkit revision) so it runs after eventkit's tables exist.
    `schema` migrates into that PostgreSQL schema (created when missing) instead of the search_path's first.
    """
    owned = isinstance(engine_or_url, str)
    engine = make_engine(engine_or_url, pool_size=1) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.connect() as connection, connection.begin():
            # Held until commit: a second process waits here, then finds the database at head.
            connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
            if schema is not None:
                _enter_schema(connection, checked_schema_name(schema))
            with _ALEMBIC_IN_USE:
                command.upgrade(alembic_config(extra_version_locations, connection, schema), "heads")
    finally:
        if owned:
            engine.dispose()


def alembic_config(
    extra_version_locations: Sequence[str] = (),
    connection: Connection | None = None,
    schema: str | None = None,
) -> Config:
    """Builds the alembic configuration in code (no alembic.ini): eventkit's env plus every revision dir."""
    config = Config()
    config.set_main_option("script_location", _escaped(str(ALEMBIC_DIR)))
    config.set_main_option("path_separator", "newline")
    locations = [str(VERSIONS_DIR), *(str(Path(p).resolve()) for p in extra_version_locations)]
    config.set_main_option("version_locations", _escaped("\n".join(locations)))
    config.attributes["connection"] = connection
    config.attributes["schema"] = schema
    return config


def _enter_schema(connection: Connection, schema: str) -> None:
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    # LOCAL: the setting ends with this transaction, so the pooled connection is returned unchanged.
    connection.execute(text(f"SET LOCAL search_path TO {schema}"))


def _escaped(value: str) -> str:
    # Config values go through configparser interpolation, where % is special.
    return value.replace("%", "%%")
