"""The inbox on PostgreSQL: which consumer handled which event, written with the handler's effect."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from eventkit.eventstore.values import canonical_event_id
from eventkit.postgres.errors import translated_errors
from eventkit.postgres.schema import inbox


class PostgresInbox:
    """Records handled events on the unit of work's connection, so a redelivery is recognized."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def mark_handled(self, consumer: str, event_id: str) -> bool:
        """Records that `consumer` handled `event_id`; False if it already had (a redelivery)."""
        # A concurrent handler of the same event makes this wait; once it commits, this one gets False.
        statement = (
            insert(inbox)
            .values(consumer=consumer, event_id=canonical_event_id(event_id))
            .on_conflict_do_nothing()
            .returning(inbox.c.event_id)
        )
        with translated_errors("record a handled event"):
            return self._connection.execute(statement).first() is not None
