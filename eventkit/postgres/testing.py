"""Helpers for services' test suites: a throwaway PostgreSQL schema per test session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

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
