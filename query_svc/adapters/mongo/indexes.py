"""Creates the records view's indexes at start-up; creating an existing index is a no-op."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from query_svc.adapters.mongo.errors import translated
from query_svc.adapters.mongo.records import RECORDS
from query_svc.adapters.mongo.timeline import TIMELINE

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


def ensure_indexes(database: Database[dict[str, Any]]) -> None:
    with translated():
        database[RECORDS].create_indexes(RECORD_INDEXES)
        database[TIMELINE].create_indexes([IndexModel([("data_id", ASCENDING)], name="record")])
