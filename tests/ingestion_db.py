"""A migrated ingestion database on a throwaway schema, and a KEK file, for contract and integration tests."""

from __future__ import annotations

import base64
import json
import os
from contextlib import AbstractContextManager
from pathlib import Path

from sqlalchemy import Engine

from eventkit.postgres.testing import migrated_engine
from ingestion_svc.adapters.kek import KekFile
from ingestion_svc.adapters.postgres.migrate import migrate_ingestion


def migrated_ingestion_engine(database_url: str, pool_size: int = 8) -> AbstractContextManager[Engine]:
    return migrated_engine(database_url, migrate_ingestion, prefix="ingestion_test", pool_size=pool_size)


def write_kek_file(path: Path, kek_id: str = "kek-1") -> KekFile:
    """Writes a KEK file with one random KEK (mode 600, as make up does) and opens it."""
    kek = base64.b64encode(os.urandom(32)).decode("ascii")
    path.write_text(json.dumps({"current": kek_id, "keys": {kek_id: kek}}))
    path.chmod(0o600)
    return KekFile(path)
