"""Creates the records view's indexes at start-up; creating an existing index is a no-op."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.collection import Collection
from pymongo.database import Database

from query_svc.adapters.mongo.errors import translated
from query_svc.adapters.mongo.records import RECORDS
from query_svc.domain.payload_indexes import PayloadIndex, fields_by_index

# Every list sorts with `_id` last, so each index ends with it and serves keyset pages.
RECORD_INDEXES = [
    IndexModel(
        [("partner_id", ASCENDING), ("timestamp", ASCENDING), ("_id", ASCENDING)], name="partner_time"
    ),
    IndexModel([("timestamp", ASCENDING), ("_id", ASCENDING)], name="time"),
    IndexModel([("status", ASCENDING), ("timestamp", ASCENDING), ("_id", ASCENDING)], name="status_time"),
    IndexModel(
        [("partner_id", ASCENDING), ("status", ASCENDING), ("timestamp", ASCENDING), ("_id", ASCENDING)],
        name="partner_status_time",
    ),
    IndexModel([("updated_at", ASCENDING), ("_id", ASCENDING)], name="updated"),
]


def ensure_indexes(
    database: Database[dict[str, Any]], records: str = RECORDS, declared: tuple[PayloadIndex, ...] = ()
) -> None:
    """Creates the indexes of a records collection that are missing, the partners' declared payload
    indexes included; safe to run at every start. MongoDB builds them without blocking reads or writes;
    FerretDB (SQLite) blocks writes while it builds one, and reads go on."""
    wanted = RECORD_INDEXES + [
        IndexModel(list(keys), name=name) for name, keys in fields_by_index(declared).items()
    ]
    with translated():
        _create_missing(database[records], wanted)


def _create_missing(collection: Collection[dict[str, Any]], indexes: list[IndexModel]) -> None:
    # MongoDB treats re-creating an existing index as a no-op, but FerretDB 1.24 (SQLite backend)
    # panics on it and drops the connection, so only indexes not already there are sent.
    existing = {index["name"] for index in collection.list_indexes()}
    missing = [index for index in indexes if index.document["name"] not in existing]
    if missing:
        collection.create_indexes(missing)
