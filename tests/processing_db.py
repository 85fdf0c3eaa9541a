"""A migrated processing database on a throwaway schema, for contract and integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from eventkit.postgres.engine import make_engine
from eventkit.postgres.testing import temporary_schema
from processing_svc.adapters.postgres.migrate import migrate_processing


@contextmanager
def migrated_processing_engine(database_url: str, pool_size: int = 8) -> Iterator[Engine]:
    with temporary_schema(database_url, prefix="processing_test") as schema:
        engine = make_engine(database_url, search_path=schema, pool_size=pool_size)
        migrate_processing(engine)
        try:
            yield engine
        finally:
            engine.dispose()
