"""Ports of the event store, outbox and inbox, and the unit of work that writes them atomically."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from eventkit.eventstore.model import NewEvent, StoredEvent, StreamAppend
from eventkit.messaging import OutboundMessage


class EventStore(Protocol):
    def append(self, stream_id: str, expected_version: int, events: Sequence[NewEvent]) -> list[StoredEvent]:
        """Appends after `expected_version` (0 for a new stream); ConcurrencyConflict if it moved."""
        ...

    def append_many(self, appends: Sequence[StreamAppend]) -> list[StoredEvent]:
        """Appends to several streams in one write, all or nothing: ConcurrencyConflict, with nothing
        appended, if any stream is not at its expected version. A stream may appear more than once; each
        later append expects the version the one before leaves."""
        ...

    def read_stream(self, stream_id: str, *, until: datetime | None = None) -> list[StoredEvent]:
        """Returns the stream's events in version order ([] if unknown), optionally only up to `until`."""
        ...

    def read_streams(self, stream_ids: Sequence[str]) -> dict[str, list[StoredEvent]]:
        """Returns each stream's events in version order, in one read ([] for an unknown stream)."""
        ...


class Outbox(Protocol):
    def add(self, messages: Sequence[OutboundMessage]) -> None:
        """Queues messages for the relay, in the caller's transaction (their sequence_id is ignored)."""
        ...


class Inbox(Protocol):
    def mark_all_handled(self, consumer: str, event_ids: Sequence[str]) -> list[str]:
        """Records that `consumer` handled each event, in one write; returns the ids (as given, in order)
        it had not handled before. An id given twice counts once: the first time."""
        ...


class UnitOfWork(Protocol):
    """One atomic write: everything done through it commits together or not at all."""

    events: EventStore
    outbox: Outbox
    inbox: Inbox

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Rolls back whatever was not committed."""
        ...

    def commit(self) -> None: ...
