"""Upgrades ingestion's database: eventkit's event store tables, then ingestion's own."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from eventkit.postgres.migrations import migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def migrate_ingestion(engine_or_url: Engine | str, schema: str | None = None) -> None:
    migrate(engine_or_url, extra_version_locations=[str(MIGRATIONS_DIR)], schema=schema)
