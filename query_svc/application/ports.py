"""The ports query_svc's use cases need: the records view, checkpoints, and list reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from query_svc.domain.timeline import TimelineEntry

Slot = tuple[str, int, TimelineEntry]  # record id, slot number, entry


class TimelineReader(Protocol):
    """Reads a record's applied events (all that queries need)."""

    def read(self, data_id: str, start: int = 0) -> tuple[TimelineEntry, ...]:
        """The entries in slots `start`, `start + 1`, ... up to the first empty slot."""
        ...


class Timeline(Protocol):
    """Each record's applied events as an append-only stream of numbered slots (0, 1, 2, ...).

    Taking a slot is the one atomic step the projector relies on (a unique key on MongoDB and FerretDB
    alike); every lookup is by the slot's key, so no read scans the collection.
    """

    def read(self, data_id: str, start: int = 0) -> tuple[TimelineEntry, ...]:
        """The entries in slots `start`, `start + 1`, ... up to the first empty slot."""
        ...

    def append(self, data_id: str, slot: int, entry: TimelineEntry) -> bool:
        """Stores the entry in the slot; False if the slot is already taken (someone else appended)."""
        ...

    def append_many(self, slots: Sequence[Slot]) -> set[int]:
        """Stores each entry in its slot in one round trip; the positions in `slots` whose slot was taken."""
        ...

    def taken(self, slots: Sequence[tuple[str, int]]) -> set[str]:
        """In one round trip: the records among (data_id, slot) pairs whose given slot holds an entry."""
        ...


class RecordViews(Protocol):
    """The records view: one folded document per record."""

    def save(self, data_id: str, view: dict[str, Any], applied: int) -> None:
        """Writes the view of a record, folded from its first `applied` timeline slots."""
        ...

    def save_many(self, views: Sequence[tuple[str, dict[str, Any], int]]) -> None:
        """Writes several views (data id, view, applied) in one round trip."""
        ...

    def add_many(self, views: Sequence[tuple[str, dict[str, Any], int]]) -> None:
        """Writes views of records that have none yet (a rebuild filling a new generation): plain inserts,
        much cheaper than replacing; a view that turns out to exist is replaced instead."""
        ...


class Checkpoints(Protocol):
    """How far one consumer has applied its topic."""

    def advance(self, topic: str, event_id: str, occurred_at: datetime, handled: int = 1) -> None:
        """Records `handled` more events of the topic applied, the last being `event_id`."""
        ...


@dataclass(frozen=True)
class ListRequest:
    """A compiled list query: filter (already scoped to the caller), sort keys, projection and page."""

    filter: dict[str, Any]
    sort: tuple[tuple[str, int], ...]
    fields: tuple[str, ...] | None
    limit: int
    # Where a page of large records ends before `limit`: once the records read take more than this many
    # bytes in the store (a page always holds one). None: `limit` alone.
    max_bytes: int | None = None


@dataclass(frozen=True)
class FoundRecords:
    """Store documents (with `_id`) in sort order, and whether more match after them."""

    documents: list[dict[str, Any]]
    more: bool


class RecordReader(Protocol):
    """Reads of the records view; every read is bounded by the store's time limit."""

    def get(self, data_id: str) -> dict[str, Any] | None: ...

    def find(self, request: ListRequest) -> FoundRecords:
        """At most `limit` documents, fewer where `max_bytes` ends the page, and whether more follow."""
        ...

    def count_by(self, match: dict[str, Any], field: str) -> dict[str, int]: ...


@dataclass(frozen=True)
class ConsumerReport:
    """A live consumer's last heartbeat: which view generation it writes to, and when it said so."""

    instance: str
    generation: str
    seen_at: datetime


class ViewGenerations(Protocol):
    """The view's generations and the pointer to the active one."""

    def read_active(self) -> str: ...

    def activate(self, generation: str) -> None: ...

    def prepare(self, generation: str) -> None: ...

    def drop(self, generation: str) -> None: ...

    def existing(self) -> list[str]: ...

    def report(self, instance: str, generation: str) -> None: ...

    def reports(self) -> list[ConsumerReport]: ...
