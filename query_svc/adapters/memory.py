"""In-memory timeline and views with the same semantics as the MongoDB ones (for tests)."""

from __future__ import annotations

import copy
import threading
from typing import Any

from query_svc.domain.timeline import TimelineEntry


class InMemoryTimeline:
    def __init__(self) -> None:
        self._entries: dict[str, TimelineEntry] = {}
        self._lock = threading.Lock()

    def add(self, data_id: str, entry: TimelineEntry) -> bool:
        with self._lock:
            if entry.event_id in self._entries:
                return False
            self._entries[entry.event_id] = entry
            return True

    def entries(self, data_id: str) -> tuple[TimelineEntry, ...]:
        with self._lock:
            found = [e for e in self._entries.values() if e.data_id == data_id]
        return tuple(sorted(found, key=TimelineEntry.history_key))


class InMemoryRecordViews:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def save(self, data_id: str, view: dict[str, Any], applied: int) -> None:
        with self._lock:
            current = self.documents.get(data_id)
            if current is None or current["_applied"] <= applied:
                self.documents[data_id] = {"_id": data_id, **copy.deepcopy(view), "_applied": applied}
