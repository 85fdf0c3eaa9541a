"""The ports query_svc's use cases need: the view and its generations, checkpoints, list reads, rebuild jobs,
the event topics to replay, and the dead-letter topics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from query_svc.domain.rebuild_job import RebuildJob
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

    def scrub(self, slots: Sequence[Slot]) -> None:
        """Replaces the entries of taken slots with the same events stripped of their payload (an erasure:
        the one change a taken slot sees); nothing for no slots."""
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


class ViewIndexes(Protocol):
    """The indexes of the active generation's records."""

    def indexes(self) -> dict[str, list[str]]:
        """Each index's name and its fields (store names) in order."""
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
    # The sort keys of the previous page's last record (a cursor's), when the filter selects a superset of
    # what comes after them (a sort on a payload field): the reader drops what does not.
    after: tuple[Any, ...] | None = None
    # When the first sort key is a payload field: what comes after the cursor, one condition per type of
    # that key in sort order, each ANDed with `filter` and read in turn, keeping from each the records whose
    # first key has that type (its rank in domain.sort_order). Empty: `filter` alone.
    brackets: tuple[tuple[int, dict[str, Any]], ...] = ()


@dataclass(frozen=True)
class FoundRecords:
    """Store documents (with `_id`) in sort order, and whether more match after them."""

    documents: list[dict[str, Any]]
    more: bool
    # The sort keys of the last document, as the store compared them (what the next page's cursor holds).
    last_keys: tuple[Any, ...] | None = None


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


class JobStore(Protocol):
    def create(self, job: RebuildJob) -> bool:
        """Stores a new job and takes the one-job lock; False (nothing stored) if another job holds it."""
        ...

    def save(self, job: RebuildJob) -> None: ...

    def get(self, job_id: str) -> RebuildJob | None: ...

    def recent(self, limit: int) -> list[RebuildJob]: ...

    def lock_holder(self) -> str | None: ...

    def release(self, job_id: str) -> None:
        """Gives the lock up if this job holds it."""
        ...

    def claim(self, job_id: str) -> bool:
        """Makes this process the job's only runner; False if another process claimed it first."""
        ...

    def take_over(self, job_id: str, seen_at: datetime) -> bool:
        """Makes this process the runner of a job whose runner went silent at `seen_at`; False if another
        process took it over first."""
        ...

    def request_cancel(self, job_id: str) -> None: ...

    def cancel_requested(self, job_id: str) -> bool: ...


class TopicReader(Protocol):
    topic: str

    def read_batch(self, max_events: int) -> list[TimelineEntry]:
        """The next events, up to `max_events`; empty once the reader has caught up with the topic's end."""
        ...

    @property
    def position(self) -> str | None:
        """The last message read (undecodable ones included), to open a reader after it; None before any."""
        ...

    def close(self) -> None: ...


class EventLog(Protocol):
    def open_readers(self, after: Mapping[str, str] | None = None) -> Sequence[TopicReader]:
        """A reader of each event topic: after its position in `after` if there is one, else at its earliest
        message."""
        ...

    def sizes(self) -> dict[str, int]:
        """Messages currently in each event topic (for progress and ETA)."""
        ...


@dataclass(frozen=True)
class DeadLetter:
    """One dead letter as an operator sees it; fields the letter does not carry are None."""

    message_id: str
    original_message_id: str | None
    event_id: str | None
    event_type: str | None
    data_id: str | None
    reason: str | None
    error_type: str | None
    redelivery_count: int | None
    dead_lettered_at: str | None


class DeadLetterStore(Protocol):
    """Where dead letters live: the broker's topics, read and acknowledged on one admin subscription."""

    def topic_names(self) -> list[str]:
        """Every topic of the namespace, fully qualified."""
        ...

    def count(self, dead_letter_topic: str) -> int:
        """Letters not yet redriven."""
        ...

    def sample(self, dead_letter_topic: str, size: int) -> list[DeadLetter]:
        """The oldest `size` letters not yet redriven, without consuming them."""
        ...

    def redrive(self, dead_letter_topic: str, limit: int, fallback_topic: str | None) -> int:
        """Re-publishes up to `limit` of the oldest letters to the topic each came from (or `fallback_topic`
        when a letter does not say), then removes them; returns how many."""
        ...
