"""The inbox on PostgreSQL: which consumer handled which event, written with the handler's effect."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from eventkit.eventstore.values import canonical_event_id
from eventkit.postgres.errors import translated_errors
from eventkit.postgres.schema import inbox


class PostgresInbox:
    """Records handled events on the unit of work's connection, so a redelivery is recognized."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def mark_all_handled(self, consumer: str, event_ids: Sequence[str]) -> list[str]:
        """Records that `consumer` handled each event, in one write; returns the ids (as given, in order)
        it had not handled before. An id given twice counts once: the first time."""
        given: dict[str, str] = {}
        for event_id in event_ids:
            given.setdefault(canonical_event_id(event_id), event_id)
        if not given:
            return []
        # A concurrent handler of the same event makes this wait; once it commits, the event is not new here.
        rows = [{"consumer": consumer, "event_id": event_id} for event_id in given]
        with translated_errors(f"record {len(given)} handled events"):
            new = {str(row.event_id) for row in self._connection.execute(_MARK, rows)}
        return [original for canonical, original in given.items() if canonical in new]


# Executemany of one statement built once: SQLAlchemy compiles it once (cached) and sends the rows as
# multi-row VALUES pages. A statement with the rows in `.values([...])` has a parameter per value and was
# compiled anew for every batch (12% of the processing consumer's CPU under load, with the fingerprint
# claims).
_MARK = insert(inbox).on_conflict_do_nothing().returning(inbox.c.event_id)
