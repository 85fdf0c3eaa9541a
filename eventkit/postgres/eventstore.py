"""The event store on PostgreSQL: one row per event, the (stream_id, version) key guarding concurrency."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select
from sqlalchemy.dialects.postgresql import insert

from eventkit.eventstore.errors import ConcurrencyConflict
from eventkit.eventstore.model import NewEvent, StoredEvent, StreamAppend
from eventkit.eventstore.values import (
    aware_utc,
    canonical_event_id,
    check_expected_version,
    check_json_document,
)
from eventkit.postgres.errors import translated_errors
from eventkit.postgres.schema import events


class PostgresEventStore:
    """Appends and reads events on the unit of work's connection, inside its transaction.

    Positions come from a sequence at insert time, so they increase in insertion order but a transaction
    that commits late can make a lower position visible after a higher one, which is why no reader follows
    positions: live delivery goes through the outbox relay instead.
    `data` and `metadata` are jsonb, which keeps numbers as decimals: 1e16 reads back as 10**16.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def append(self, stream_id: str, expected_version: int, events: Sequence[NewEvent]) -> list[StoredEvent]:
        """Appends after `expected_version` (0 for a new stream); ConcurrencyConflict if it moved."""
        return self.append_many([StreamAppend(stream_id, expected_version, events)])

    def append_many(self, appends: Sequence[StreamAppend]) -> list[StoredEvent]:
        """Appends to several streams in one write, all or nothing: ConcurrencyConflict, with nothing
        appended, if any stream is not at its expected version. A stream may appear more than once; each
        later append expects the version the one before leaves."""
        rows, first_expected = _rows_of(appends)
        if not rows:
            return []
        streams = list(first_expected)
        with translated_errors(
            f"append to stream {streams[0]}" if len(streams) == 1 else f"append to {len(streams)} streams"
        ):
            self._require_versions({s: v for s, v in first_expected.items() if v > 0})
            positions = self._insert_many(rows)
            if len(positions) < len(rows):
                self._undo(positions.values())
                missing = next(r for r in rows if (r["stream_id"], r["version"]) not in positions)
                stream_id = missing["stream_id"]
                raise ConcurrencyConflict(stream_id, first_expected[stream_id], self._version(stream_id))
        return [_stored(row, positions[row["stream_id"], row["version"]]) for row in rows]

    def read_stream(self, stream_id: str, *, until: datetime | None = None) -> list[StoredEvent]:
        """Returns the stream's events in version order ([] if unknown), optionally only up to `until`."""
        query = select(events).where(events.c.stream_id == stream_id).order_by(events.c.version)
        if until is not None:
            query = query.where(events.c.occurred_at <= aware_utc(until, "until"))
        with translated_errors(f"read stream {stream_id}"):
            return [_from_row(row) for row in self._connection.execute(query)]

    def read_streams(self, stream_ids: Sequence[str]) -> dict[str, list[StoredEvent]]:
        """Returns each stream's events in version order, in one read ([] for an unknown stream)."""
        found: dict[str, list[StoredEvent]] = {stream_id: [] for stream_id in stream_ids}
        if not found:
            return found
        query = (
            select(events)
            .where(events.c.stream_id.in_(list(found)))
            .order_by(events.c.stream_id, events.c.version)
        )
        with translated_errors(f"read {len(found)} streams"):
            for row in self._connection.execute(query):
                found[row.stream_id].append(_from_row(row))
        return found

    def _require_versions(self, expected: Mapping[str, int]) -> None:
        # The unique key only catches a stream that moved past its expected version; this catches one that
        # is behind it (e.g. an If-Match naming a version that does not exist yet).
        if not expected:
            return
        query = (
            select(events.c.stream_id, func.max(events.c.version))
            .where(events.c.stream_id.in_(list(expected)))
            .group_by(events.c.stream_id)
        )
        actual = {stream_id: int(version) for stream_id, version in self._connection.execute(query)}
        for stream_id, version in expected.items():
            if actual.get(stream_id, 0) != version:
                raise ConcurrencyConflict(stream_id, version, actual.get(stream_id, 0))

    def _version(self, stream_id: str) -> int:
        query = select(func.coalesce(func.max(events.c.version), 0)).where(events.c.stream_id == stream_id)
        return int(self._connection.execute(query).scalar_one())

    def _insert_many(self, rows: list[dict[str, Any]]) -> dict[tuple[str, int], int]:
        # DO NOTHING instead of a unique violation keeps the transaction usable after a conflict; a
        # concurrent writer of the same version is waited for, and skipped only if it commits. Executemany
        # with RETURNING: SQLAlchemy compiles the one-row statement once (cached) and sends the rows as
        # multi-row VALUES pages, instead of compiling a statement with a parameter per value.
        result = self._connection.execute(_APPEND, rows)
        return {(row.stream_id, row.version): row.position for row in result}

    def _undo(self, positions: Iterable[int]) -> None:
        # Versions after the conflicting one may have gone in; the append is all or nothing.
        self._connection.execute(delete(events).where(events.c.position.in_(list(positions))))


# Built once: a statement is immutable, and building one (and its cache key) per append cost ~4% of a
# single POST /ingest.
_APPEND = (
    insert(events)
    .on_conflict_do_nothing(index_elements=[events.c.stream_id, events.c.version])
    .returning(events.c.stream_id, events.c.version, events.c.position)
)


def _rows_of(appends: Sequence[StreamAppend]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The rows of several appends, and the version each stream must be at before the first of them;
    ConcurrencyConflict if an append to a stream does not expect the version the one before leaves."""
    rows: list[dict[str, Any]] = []
    first_expected: dict[str, int] = {}
    reached: dict[str, int] = {}
    for append in appends:
        check_expected_version(append.expected_version)
        if not append.events:
            continue  # appending nothing stores and checks nothing, as in `append`
        stream_id, expected = append.stream_id, append.expected_version
        if stream_id in reached and reached[stream_id] != expected:
            raise ConcurrencyConflict(stream_id, expected, reached[stream_id])
        first_expected.setdefault(stream_id, expected)
        rows += [_row(stream_id, expected + n, event) for n, event in enumerate(append.events, start=1)]
        reached[stream_id] = expected + len(append.events)
    return rows, first_expected


def _row(stream_id: str, version: int, event: NewEvent) -> dict[str, Any]:
    check_json_document(event.data, "data")
    check_json_document(event.metadata, "metadata")
    return {
        "stream_id": stream_id,
        "version": version,
        "event_id": canonical_event_id(event.event_id),
        "event_type": event.event_type,
        "data": dict(event.data),
        "metadata": dict(event.metadata),
        "occurred_at": aware_utc(event.occurred_at, "occurred_at"),
    }


def _stored(row: Mapping[str, Any], position: int) -> StoredEvent:
    return StoredEvent(position=position, **row)


def _from_row(row: Row[Any]) -> StoredEvent:
    return StoredEvent(
        stream_id=row.stream_id,
        version=row.version,
        position=row.position,
        event_type=row.event_type,
        data=row.data,
        metadata=row.metadata,
        event_id=row.event_id,
        occurred_at=aware_utc(row.occurred_at, "occurred_at"),
    )
