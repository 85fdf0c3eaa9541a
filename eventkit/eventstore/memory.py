"""In-memory event store, outbox, inbox and unit of work: fakes that pass the adapters' contract suite."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from eventkit.eventstore.errors import ConcurrencyConflict, EventStoreError
from eventkit.eventstore.model import NewEvent, StoredEvent, StreamAppend
from eventkit.eventstore.ports import EventStore, Inbox, Outbox
from eventkit.eventstore.values import (
    aware_utc,
    canonical_event_id,
    check_expected_version,
    check_json_document,
)
from eventkit.messaging import OutboundMessage


@dataclass
class _Transaction:
    """What one unit of work wrote since it began or last committed; nobody else sees it."""

    events: list[StoredEvent] = field(default_factory=list)
    base_versions: dict[str, int] = field(default_factory=dict)  # stream versions it appended after
    outbox: list[OutboundMessage] = field(default_factory=list)
    handled: set[tuple[str, str]] = field(default_factory=set)
    aborted: bool = False

    def clear(self) -> None:
        self.events.clear()
        self.base_versions.clear()
        self.outbox.clear()
        self.handled.clear()


@dataclass
class InMemoryDatabase:
    """The committed state that in-memory units of work share, as processes share one database."""

    events: list[StoredEvent] = field(default_factory=list)  # in position order
    # What the relay would publish: committed messages in commit order, sequence_id 1, 2, 3, ...
    outbox: list[OutboundMessage] = field(default_factory=list)
    handled: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _positions: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    def next_position(self) -> int:
        """Hands out global positions in insertion order; a rolled-back one is never reused."""
        with self._lock:
            return next(self._positions)

    def version(self, stream_id: str) -> int:
        """Returns the committed version of a stream (0 if unknown)."""
        return _version(self.events, stream_id)

    def apply(self, tx: _Transaction) -> None:
        """Commits a transaction atomically, or raises if a concurrent commit got there first."""
        with self._lock:
            self._check(tx)
            self.events = sorted([*self.events, *tx.events], key=lambda event: event.position)
            for message in tx.outbox:
                self.outbox.append(replace(message, sequence_id=len(self.outbox) + 1))
            self.handled |= tx.handled

    def _check(self, tx: _Transaction) -> None:
        for stream_id, base in tx.base_versions.items():
            if (actual := self.version(stream_id)) != base:
                raise ConcurrencyConflict(stream_id, base, actual)
        _refuse_duplicates({e.event_id for e in self.events}, (e.event_id for e in tx.events), "event")
        _refuse_duplicates({m.event_id for m in self.outbox}, (m.event_id for m in tx.outbox), "message")
        if already := self.handled & tx.handled:
            raise EventStoreError(f"handled in a concurrent unit of work: {sorted(already)}")


class InMemoryEventStore:
    """Streams of events in memory; a unit of work's own appends are visible to it before commit."""

    def __init__(self, database: InMemoryDatabase, tx: _Transaction | None) -> None:
        self._database = database
        self._tx = tx

    def append(self, stream_id: str, expected_version: int, events: Sequence[NewEvent]) -> list[StoredEvent]:
        """Appends after `expected_version` (0 for a new stream); ConcurrencyConflict if it moved."""
        check_expected_version(expected_version)
        candidates = [_checked(event) for event in events]
        if not candidates:
            return []
        tx = _writable(self._tx)
        if (actual := _version(self._visible(), stream_id)) != expected_version:
            raise ConcurrencyConflict(stream_id, expected_version, actual)
        _refuse_duplicates(
            {e.event_id for e in self._visible()}, (e.event_id for e in candidates), "event", tx
        )
        tx.base_versions.setdefault(stream_id, self._database.version(stream_id))
        stored = [
            _stored(stream_id, expected_version + n, self._database.next_position(), event)
            for n, event in enumerate(candidates, start=1)
        ]
        tx.events.extend(stored)
        return stored

    def append_many(self, appends: Sequence[StreamAppend]) -> list[StoredEvent]:
        """Appends to several streams in one write, all or nothing: ConcurrencyConflict, with nothing
        appended, if any stream is not at its expected version. A stream may appear more than once; each
        later append expects the version the one before leaves."""
        if not any(append.events for append in appends):
            for append in appends:
                check_expected_version(append.expected_version)
            return []
        tx = _writable(self._tx)
        mark, bases = len(tx.events), dict(tx.base_versions)
        stored: list[StoredEvent] = []
        try:
            for append in appends:
                stored += self.append(append.stream_id, append.expected_version, append.events)
        except ConcurrencyConflict:
            del tx.events[mark:]
            tx.base_versions.clear()
            tx.base_versions.update(bases)
            raise
        return stored

    def read_stream(self, stream_id: str, *, until: datetime | None = None) -> list[StoredEvent]:
        """Returns the stream's events in version order ([] if unknown), optionally only up to `until`."""
        limit = None if until is None else aware_utc(until, "until")
        found = [
            e
            for e in self._visible()
            if e.stream_id == stream_id and (limit is None or e.occurred_at <= limit)
        ]
        return sorted(found, key=lambda event: event.version)

    def read_streams(self, stream_ids: Sequence[str]) -> dict[str, list[StoredEvent]]:
        """Returns each stream's events in version order, in one read ([] for an unknown stream)."""
        return {stream_id: self.read_stream(stream_id) for stream_id in stream_ids}

    def _visible(self) -> list[StoredEvent]:
        return [*self._database.events, *(self._tx.events if self._tx else [])]


class InMemoryOutbox:
    """Queues messages in memory; they reach `InMemoryDatabase.outbox` when the unit of work commits."""

    def __init__(self, database: InMemoryDatabase, tx: _Transaction | None) -> None:
        self._database = database
        self._tx = tx

    def add(self, messages: Sequence[OutboundMessage]) -> None:
        """Queues messages for the relay, in the caller's transaction (their sequence_id is ignored)."""
        for message in messages:
            check_json_document(message.properties, "properties")
        queued = [
            replace(m, event_id=canonical_event_id(m.event_id), properties=dict(m.properties), sequence_id=0)
            for m in messages
        ]
        if not queued:
            return
        tx = _writable(self._tx)
        known = {m.event_id for m in [*self._database.outbox, *tx.outbox]}
        _refuse_duplicates(known, (m.event_id for m in queued), "message", tx)
        tx.outbox.extend(queued)


class InMemoryInbox:
    """Remembers in memory which consumer handled which event."""

    def __init__(self, database: InMemoryDatabase, tx: _Transaction | None) -> None:
        self._database = database
        self._tx = tx

    def _mark_handled(self, consumer: str, event_id: str) -> bool:
        """Records that `consumer` handled `event_id`; False if it already had (a redelivery)."""
        key = (consumer, canonical_event_id(event_id))
        tx = _writable(self._tx)
        if key in self._database.handled or key in tx.handled:
            return False
        tx.handled.add(key)
        return True

    def mark_all_handled(self, consumer: str, event_ids: Sequence[str]) -> list[str]:
        """Records that `consumer` handled each event, in one write; returns the ids (as given, in order)
        it had not handled before. An id given twice counts once: the first time."""
        return [event_id for event_id in event_ids if self._mark_handled(consumer, event_id)]


class InMemoryUnitOfWork:
    """Commits events, outbox messages and inbox marks to an `InMemoryDatabase` all at once.

    Outside a `with` block its stores read the committed state and refuse writes. Like PostgreSQL, a
    refused write other than a ConcurrencyConflict aborts the transaction, and `commit()` then raises.
    Where PostgreSQL makes a second writer of the same row wait for the first, two interleaved in-memory
    units of work both go ahead and the second to commit gets the ConcurrencyConflict (or EventStoreError).
    """

    # The port's types, so that subclasses satisfy a service's protocol that extends UnitOfWork.
    events: EventStore
    outbox: Outbox
    inbox: Inbox

    def __init__(self, database: InMemoryDatabase | None = None) -> None:
        self.database = database if database is not None else InMemoryDatabase()
        self._tx: _Transaction | None = None
        self._bind(None)

    def __enter__(self) -> Self:
        if self._tx is not None:
            raise RuntimeError("this unit of work is already open; give each thread its own instance")
        self._tx = _Transaction()
        self._bind(self._tx)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Rolls back whatever was not committed."""
        self._tx = None
        self._bind(None)

    def commit(self) -> None:
        """Makes everything done in the block so far visible to every unit of work on the database."""
        tx = _writable(self._tx)
        if tx.aborted:
            raise EventStoreError(
                "the transaction was aborted by an earlier failed statement; nothing was kept"
            )
        try:
            self.database.apply(tx)
        except EventStoreError:
            tx.aborted = True
            raise
        tx.clear()

    def _bind(self, tx: _Transaction | None) -> None:
        self.events = InMemoryEventStore(self.database, tx)
        self.outbox = InMemoryOutbox(self.database, tx)
        self.inbox = InMemoryInbox(self.database, tx)


def _writable(tx: _Transaction | None) -> _Transaction:
    if tx is None:
        raise RuntimeError("the unit of work is not open: use it inside `with uow:`")
    return tx


def _version(events: Iterable[StoredEvent], stream_id: str) -> int:
    return max((e.version for e in events if e.stream_id == stream_id), default=0)


def _refuse_duplicates(
    known: set[str], candidates: Iterable[str], what: str, tx: _Transaction | None = None
) -> None:
    seen = set(known)
    for event_id in candidates:
        if event_id in seen:
            if tx is not None:
                tx.aborted = True  # as PostgreSQL aborts a transaction after a unique violation
            raise EventStoreError(f"{what} {event_id} is already stored")
        seen.add(event_id)


def _checked(event: NewEvent) -> NewEvent:
    check_json_document(event.data, "data")
    check_json_document(event.metadata, "metadata")
    return replace(
        event,
        event_id=canonical_event_id(event.event_id),
        data=_json_copy(event.data),
        metadata=_json_copy(event.metadata),
        occurred_at=aware_utc(event.occurred_at, "occurred_at"),
    )


def _json_copy(value: Mapping[str, Any]) -> dict[str, Any]:
    # What a jsonb column would give back: only JSON survives, and later mutation of the input does not.
    copied: dict[str, Any] = json.loads(json.dumps(value))
    return copied


def _stored(stream_id: str, version: int, position: int, event: NewEvent) -> StoredEvent:
    return StoredEvent(
        stream_id=stream_id,
        version=version,
        position=position,
        event_type=event.event_type,
        data=event.data,
        metadata=event.metadata,
        event_id=event.event_id,
        occurred_at=event.occurred_at,
    )
