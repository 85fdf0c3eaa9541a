"""The ports query_svc's use cases need: the records view, checkpoints, and list reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from query_svc.domain.timeline import TimelineEntry


class Timeline(Protocol):
    """Every applied event of every record, stored once per event id (the source the views fold from)."""

    def add(self, data_id: str, entry: TimelineEntry) -> bool:
        """Stores the entry; False if an entry with its event id is already there (a redelivery)."""
        ...

    def entries(self, data_id: str) -> tuple[TimelineEntry, ...]: ...


class RecordViews(Protocol):
    """The records view: one folded document per record."""

    def save(self, data_id: str, view: dict[str, Any], applied: int) -> None:
        """Writes the view folded from `applied` events unless one folded from more is already stored."""
        ...


class Checkpoints(Protocol):
    """How far one consumer has applied its topic."""

    def advance(self, topic: str, event_id: str, occurred_at: datetime) -> None: ...


@dataclass(frozen=True)
class ListRequest:
    """A compiled list query: filter (already scoped to the caller), sort keys, projection and page."""

    filter: dict[str, Any]
    sort: tuple[tuple[str, int], ...]
    fields: tuple[str, ...] | None
    limit: int


class RecordReader(Protocol):
    """Reads of the records view; every read is bounded by the store's time limit."""

    def get(self, data_id: str) -> dict[str, Any] | None: ...

    def find(self, request: ListRequest) -> list[dict[str, Any]]:
        """Store documents (with `_id`) in sort order, up to `limit + 1` to tell whether more follow."""
        ...

    def count_by(self, match: dict[str, Any], field: str) -> dict[str, int]: ...
