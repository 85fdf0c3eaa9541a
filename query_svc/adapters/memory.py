"""In-memory timeline and views with the same semantics as the MongoDB ones (for tests)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from typing import Any

from query_svc.application.ports import Slot
from query_svc.domain.timeline import TimelineEntry


class InMemoryTimeline:
    def __init__(self) -> None:
        self._slots: dict[tuple[str, int], TimelineEntry] = {}
        self._lock = threading.Lock()

    def read(self, data_id: str, start: int = 0) -> tuple[TimelineEntry, ...]:
        entries: list[TimelineEntry] = []
        with self._lock:
            while (found := self._slots.get((data_id, start + len(entries)))) is not None:
                entries.append(found)
        return tuple(entries)

    def append(self, data_id: str, slot: int, entry: TimelineEntry) -> bool:
        with self._lock:
            if (data_id, slot) in self._slots:
                return False
            self._slots[(data_id, slot)] = entry
            return True

    def append_many(self, slots: Sequence[Slot]) -> set[int]:
        return {i for i, (data_id, slot, entry) in enumerate(slots) if not self.append(data_id, slot, entry)}

    def taken(self, slots: Sequence[tuple[str, int]]) -> set[str]:
        with self._lock:
            return {data_id for data_id, slot in slots if (data_id, slot) in self._slots}

    def scrub(self, slots: Sequence[Slot]) -> None:
        with self._lock:
            for data_id, slot, entry in slots:
                if (data_id, slot) in self._slots:
                    self._slots[(data_id, slot)] = entry


class InMemoryRecordViews:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def save(self, data_id: str, view: dict[str, Any], applied: int) -> None:
        with self._lock:
            self.documents[data_id] = {"_id": data_id, **copy.deepcopy(view), "_applied": applied}

    def save_many(self, views: Sequence[tuple[str, dict[str, Any], int]]) -> None:
        for data_id, view, applied in views:
            self.save(data_id, view, applied)

    def add_many(self, views: Sequence[tuple[str, dict[str, Any], int]]) -> None:
        self.save_many(views)
