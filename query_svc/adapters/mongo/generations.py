"""Generations of the view: each has its own records and events collections; one pointer names the active one.

A rebuild fills a new generation and then switches the pointer, so queries and live consumers move to it
without any collection being renamed (FerretDB has no `renameCollection` with `dropTarget`). Reads resolve
the pointer through a short cache; live consumers re-read it themselves (see application.live).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database

from query_svc.adapters.mongo.errors import translated
from query_svc.adapters.mongo.indexes import ensure_indexes
from query_svc.adapters.mongo.records import RECORDS, MongoRecordReader, sorts_through_arrays
from query_svc.adapters.mongo.timeline import TIMELINE, MongoTimeline
from query_svc.application.ports import ConsumerReport, FoundRecords, ListRequest
from query_svc.domain.payload_indexes import PayloadIndex
from query_svc.domain.timeline import TimelineEntry

POINTERS = "view_pointer"
CONSUMERS = "view_consumers"
FORGET_AFTER = timedelta(hours=1)  # a consumer silent this long has ended; its heartbeat is deleted
ACTIVE = "active"
INITIAL = "initial"  # the generation before any rebuild, kept in the plain `records` and `events` collections
Document = dict[str, Any]


def records_name(generation: str) -> str:
    return RECORDS if generation == INITIAL else f"{RECORDS}_{generation}"


def events_name(generation: str) -> str:
    return TIMELINE if generation == INITIAL else f"{TIMELINE}_{generation}"


class MongoViewGenerations:
    def __init__(
        self, database: Database[Document], *, cache_s: float = 1.0, declared: tuple[PayloadIndex, ...] = ()
    ) -> None:
        self._database = database
        self._declared = declared  # partners' payload indexes, made in every generation
        self._cache_s = cache_s
        self._cached: tuple[float, str] | None = None
        self._lock = threading.Lock()

    def active(self) -> str:
        """The active generation, read at most once per `cache_s` (for queries)."""
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] >= self._cache_s:
                self._cached = (time.monotonic(), self.read_active())
            return self._cached[1]

    def read_active(self) -> str:
        with translated():
            pointer = self._database[POINTERS].find_one({"_id": ACTIVE})
        return INITIAL if pointer is None else str(pointer["generation"])

    def activate(self, generation: str) -> None:
        previous = self.read_active()
        document = {"_id": ACTIVE, "generation": generation, "previous": previous, "switched_at": _now()}
        with translated():
            self._database[POINTERS].replace_one({"_id": ACTIVE}, document, upsert=True)
        with self._lock:
            self._cached = None

    def prepare(self, generation: str) -> None:
        """Creates the generation's indexes that are missing (a new one's collections start empty)."""
        ensure_indexes(self._database, records_name(generation), self._declared)

    def indexes(self) -> dict[str, list[str]]:
        """The indexes the active generation's records collection has now: name → fields."""
        with translated():
            return {str(index["name"]): list(index["key"]) for index in self.records().list_indexes()}

    def drop(self, generation: str) -> None:
        with translated():
            self._database.drop_collection(records_name(generation))
            self._database.drop_collection(events_name(generation))

    def existing(self) -> list[str]:
        """Every generation with a records collection, the initial one first, then oldest to newest."""
        with translated():
            names = set(self._database.list_collection_names())
        generations = [n.removeprefix(f"{RECORDS}_") for n in names if n.startswith(f"{RECORDS}_")]
        return ([INITIAL] if RECORDS in names else []) + sorted(generations)

    def records(self, generation: str | None = None) -> Collection[Document]:
        return self._database[records_name(generation or self.active())]

    def events(self, generation: str | None = None) -> Collection[Document]:
        return self._database[events_name(generation or self.active())]

    def report(self, instance: str, generation: str) -> None:
        """A live consumer's heartbeat: the generation it now writes to (one document per consumer)."""
        document = {"_id": instance, "generation": generation, "seen_at": _now()}
        with translated():
            self._database[CONSUMERS].replace_one({"_id": instance}, document, upsert=True)

    def reports(self) -> list[ConsumerReport]:
        """Every consumer heard from within FORGET_AFTER; older heartbeats (ended processes) are deleted."""
        with translated():
            self._database[CONSUMERS].delete_many({"seen_at": {"$lt": _now() - FORGET_AFTER}})
            rows = list(self._database[CONSUMERS].find({}))
        return [ConsumerReport(str(r["_id"]), str(r["generation"]), r["seen_at"]) for r in rows]


class ActiveRecordReader:
    """Reads the records of whichever generation is active at the time of the read."""

    def __init__(self, generations: MongoViewGenerations, max_time_ms: int) -> None:
        self._generations = generations
        self._max_time_ms = max_time_ms
        self._through_arrays: bool | None = None  # asked of the server at the first read

    def _reader(self) -> MongoRecordReader:
        records = self._generations.records()
        if self._through_arrays is None:
            self._through_arrays = sorts_through_arrays(records)
        return MongoRecordReader(records, self._max_time_ms, through_arrays=self._through_arrays)

    def get(self, data_id: str) -> Document | None:
        return self._reader().get(data_id)

    def find(self, request: ListRequest) -> FoundRecords:
        return self._reader().find(request)

    def count_by(self, match: Document, field: str) -> dict[str, int]:
        return self._reader().count_by(match, field)


class ActiveTimeline:
    """Reads timelines from whichever generation is active (queries only read)."""

    def __init__(self, generations: MongoViewGenerations) -> None:
        self._generations = generations

    def read(self, data_id: str, start: int = 0) -> tuple[TimelineEntry, ...]:
        return MongoTimeline(self._generations.events()).read(data_id, start)


def _now() -> datetime:
    return datetime.now(UTC)
