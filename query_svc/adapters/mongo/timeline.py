"""The timeline in MongoDB: one document per slot, keyed `<data_id>/<slot>`; every read and write is by key.

Keying by slot rather than querying by record id matters on FerretDB's SQLite backend, where a
`{"data_id": ...}` filter would need one more index on a large collection; `_id` lookups (one key or an
`$in` list) use the primary index on every server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ReplaceOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from query_svc.adapters.mongo.errors import refused, translated
from query_svc.adapters.mongo.records import replace_in_commands
from query_svc.application.ports import Slot
from query_svc.domain.keys import decode_keys, encode_keys
from query_svc.domain.timeline import TimelineEntry

TIMELINE = "events"
DUPLICATE_KEY = 11000
KEYS_PER_QUERY = 500  # an `_id $in` list per find
Document = dict[str, Any]


def slot_key(data_id: str, slot: int) -> str:
    return f"{data_id}/{slot}"


class MongoTimeline:
    def __init__(self, collection: Collection[Document]) -> None:
        self._collection = collection

    def read(self, data_id: str, start: int = 0) -> tuple[TimelineEntry, ...]:
        entries: list[TimelineEntry] = []
        with translated():
            while doc := self._collection.find_one({"_id": slot_key(data_id, start + len(entries))}):
                entries.append(_entry(doc))
        return tuple(entries)

    def taken(self, slots: Sequence[tuple[str, int]]) -> set[str]:
        found: set[str] = set()
        keys = [slot_key(data_id, slot) for data_id, slot in slots]
        with translated():
            for start in range(0, len(keys), KEYS_PER_QUERY):
                chunk = keys[start : start + KEYS_PER_QUERY]
                for doc in self._collection.find({"_id": {"$in": chunk}}, {"_id": 1}):
                    found.add(str(doc["_id"]).rpartition("/")[0])
        return found

    def append(self, data_id: str, slot: int, entry: TimelineEntry) -> bool:
        try:
            with translated():
                self._collection.insert_one({"_id": slot_key(data_id, slot), **_document(entry)})
        except DuplicateKeyError:
            return False
        return True

    def append_many(self, slots: Sequence[Slot]) -> set[int]:
        if not slots:
            return set()
        documents = [{"_id": slot_key(data_id, slot), **_document(entry)} for data_id, slot, entry in slots]
        try:
            with translated():
                self._collection.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise refused("timeline entries", errors) from None
            return {int(e["index"]) for e in errors}
        return set()

    def scrub(self, slots: Sequence[Slot]) -> None:
        # A replace by `_id` alone, in bounded commands (records.replace_in_commands): no upsert, so a
        # slot is only ever rewritten, never made.
        writes = [ReplaceOne({"_id": slot_key(d, slot)}, _document(entry)) for d, slot, entry in slots]
        replace_in_commands(self._collection, writes, "scrubbed timeline entries")


def _document(entry: TimelineEntry) -> Document:
    return {
        "event_id": entry.event_id,
        "data_id": entry.data_id,
        "event_type": entry.event_type,
        "occurred_at": entry.occurred_at,
        "producer": entry.producer,
        "partner_id": entry.partner_id,
        "record_version": entry.record_version,
        "data": encode_keys(entry.data),  # the partner's keys may hold dots or start with `$`
    }


def _entry(doc: Document) -> TimelineEntry:
    return TimelineEntry(
        event_id=doc["event_id"],
        data_id=doc["data_id"],
        event_type=doc["event_type"],
        occurred_at=doc["occurred_at"],
        producer=doc["producer"],
        partner_id=doc["partner_id"],
        record_version=doc["record_version"],
        data=decode_keys(doc["data"]),
    )
