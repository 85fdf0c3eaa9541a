"""The timeline in MongoDB: one document per applied event, keyed by event id so a redelivery is refused."""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from query_svc.adapters.mongo.errors import translated
from query_svc.domain.timeline import TimelineEntry

TIMELINE = "timeline"
Document = dict[str, Any]


class MongoTimeline:
    def __init__(self, collection: Collection[Document]) -> None:
        self._collection = collection

    def add(self, data_id: str, entry: TimelineEntry) -> bool:
        try:
            with translated():
                self._collection.insert_one(_document(entry))
        except DuplicateKeyError:
            return False
        return True

    def entries(self, data_id: str) -> tuple[TimelineEntry, ...]:
        with translated():
            docs = list(self._collection.find({"data_id": data_id}))
        return tuple(sorted((_entry(doc) for doc in docs), key=TimelineEntry.history_key))


def _document(entry: TimelineEntry) -> Document:
    return {
        "_id": entry.event_id,
        "data_id": entry.data_id,
        "event_type": entry.event_type,
        "occurred_at": entry.occurred_at,
        "producer": entry.producer,
        "partner_id": entry.partner_id,
        "record_version": entry.record_version,
        "data": entry.data,
    }


def _entry(doc: Document) -> TimelineEntry:
    return TimelineEntry(
        event_id=doc["_id"],
        data_id=doc["data_id"],
        event_type=doc["event_type"],
        occurred_at=doc["occurred_at"],
        producer=doc["producer"],
        partner_id=doc["partner_id"],
        record_version=doc["record_version"],
        data=doc["data"],
    )
