"""A migrated ingestion database on a throwaway schema, for contract and integration tests."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import Engine

from eventkit.postgres.testing import migrated_engine
from ingestion_svc.adapters.postgres.migrate import migrate_ingestion


def migrated_ingestion_engine(database_url: str, pool_size: int = 8) -> AbstractContextManager[Engine]:
    return migrated_engine(database_url, migrate_ingestion, prefix="ingestion_test", pool_size=pool_size)
