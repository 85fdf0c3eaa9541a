"""Index creation runs at every start, so it must be idempotent on MongoDB and on FerretDB alike."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from query_svc.adapters.mongo.indexes import RECORD_INDEXES, ensure_indexes


def test_ensuring_indexes_twice_keeps_them_and_keeps_the_connection(
    database: Database[dict[str, Any]],
) -> None:
    ensure_indexes(database)
    ensure_indexes(database)  # FerretDB 1.24 panicked here when asked to re-create existing indexes
    names = {index["name"] for index in database["records"].list_indexes()}
    assert {index.document["name"] for index in RECORD_INDEXES} <= names
    assert database.command("ping")["ok"] == 1
