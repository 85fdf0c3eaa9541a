"""A migrated ingestion database on a throwaway schema, for contract and integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from eventkit.postgres.engine import make_engine
from eventkit.postgres.testing import temporary_schema
from ingestion_svc.adapters.postgres.migrate import migrate_ingestion


@contextmanager
def migrated_ingestion_engine(database_url: str, pool_size: int = 8) -> Iterator[Engine]:
    with temporary_schema(database_url, prefix="ingestion_test") as schema:
        engine = make_engine(database_url, search_path=schema, pool_size=pool_size)
        migrate_ingestion(engine)
        try:
            yield engine
        finally:
            engine.dispose()
