"""Checkpoints: how far each consumer has applied its topic; one document per consumer, one writer each.

A single writer per document keeps `$inc`/`$max` exact on FerretDB, which applies them by read-then-write;
a topic's position is read by combining its consumers' documents.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.collection import Collection

from query_svc.adapters.mongo.errors import translated

CHECKPOINTS = "checkpoints"


class MongoCheckpoints:
    def __init__(self, collection: Collection[dict[str, Any]], consumer: str) -> None:
        self._collection = collection
        self._consumer = consumer

    def advance(self, topic: str, event_id: str, occurred_at: datetime, handled: int = 1) -> None:
        update = {
            "$max": {"last_occurred_at": occurred_at},
            "$inc": {"handled": handled},
            "$set": {"topic": topic, "last_event_id": event_id, "updated_at": datetime.now(UTC)},
        }
        with translated():
            self._collection.update_one({"_id": f"{topic}|{self._consumer}"}, update, upsert=True)


def read_checkpoints(collection: Collection[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per topic: events handled by all its consumers and the newest event time any of them applied."""
    topics: dict[str, dict[str, Any]] = {}
    with translated():
        rows = list(collection.find({}))
    for row in rows:
        topic = topics.setdefault(row["topic"], {"handled": 0, "last_occurred_at": None, "consumers": 0})
        topic["handled"] += row["handled"]
        topic["consumers"] += 1
        if topic["last_occurred_at"] is None or row["last_occurred_at"] > topic["last_occurred_at"]:
            topic["last_occurred_at"] = row["last_occurred_at"]
    return topics
