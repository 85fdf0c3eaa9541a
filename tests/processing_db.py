"""A migrated processing database on a throwaway schema, for contract and integration tests."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import Engine

from eventkit.postgres.testing import migrated_engine
from processing_svc.adapters.postgres.migrate import migrate_processing


def migrated_processing_engine(database_url: str, pool_size: int = 8) -> AbstractContextManager[Engine]:
    return migrated_engine(database_url, migrate_processing, prefix="processing_test", pool_size=pool_size)
