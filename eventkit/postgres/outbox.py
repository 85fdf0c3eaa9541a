"""The transactional outbox on PostgreSQL: messages queued in the writer's transaction, relayed later."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert

from eventkit.eventstore.values import canonical_event_id, check_json_document
from eventkit.messaging import OutboundMessage
from eventkit.postgres.errors import translated_errors
from eventkit.postgres.schema import outbox

# The relay LISTENs on this channel; a statement trigger on `outbox` NOTIFYs it (migration eventkit_0002),
# and PostgreSQL delivers the NOTIFY only when the writer commits.
OUTBOX_CHANNEL = "outbox"
_QUEUE = insert(outbox)  # built once: statements are immutable


class PostgresOutbox:
    """Queues messages as `outbox` rows on the unit of work's connection and wakes the relay."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, messages: Sequence[OutboundMessage]) -> None:
        """Queues messages for the relay, in the caller's transaction (their sequence_id is ignored)."""
        for message in messages:
            check_json_document(message.properties, "properties")
        rows = [
            {
                "event_id": canonical_event_id(message.event_id),
                "topic": message.topic,
                "message_key": message.key,
                "payload": message.payload,
                "properties": dict(message.properties),
            }
            for message in messages
        ]
        if not rows:
            return
        with translated_errors("queue outbox messages"):
            # Executemany, which SQLAlchemy sends as multi-row INSERTs of a cached statement: ids follow the
            # list order, and so does publication.
            self._connection.execute(_QUEUE, rows)
