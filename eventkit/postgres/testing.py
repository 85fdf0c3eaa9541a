"""Helpers for services' test suites: a throwaway PostgreSQL schema per test session."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from eventkit.postgres.engine import checked_schema_name, make_engine


@contextmanager
def temporary_schema(database_url: str, *, prefix: str = "test") -> Iterator[str]:
    """Creates a uniquely named schema, yields its name, and drops it with everything in it."""
    name = checked_schema_name(f"{prefix}_{uuid.uuid4().hex[:16]}")
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {name}"))
        yield name
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        engine.dispose()


@contextmanager
def migrated_engine(
    database_url: str, migrate: Callable[[Engine], None], *, prefix: str = "test", pool_size: int = 8
) -> Iterator[Engine]:
    """Yields an engine on a fresh schema that `migrate` brought to the newest revision; drops it after."""
    with temporary_schema(database_url, prefix=prefix) as schema:
        engine = make_engine(database_url, search_path=schema, pool_size=pool_size)
        migrate(engine)
        try:
            yield engine
        finally:
            engine.dispose()
