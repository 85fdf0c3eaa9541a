"""The tables of an event-sourced PostgreSQL store: events, outbox, relay state and inbox."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

# Tables carry no schema: the connection's search_path picks it (one schema per test session).
metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("position", BigInteger, autoincrement=True),
    Column("stream_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_id", Uuid(as_uuid=False), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("metadata", JSONB, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("position", name="pk_events"),
    # The optimistic concurrency guard: two writers cannot both add version n to one stream.
    UniqueConstraint("stream_id", "version", name="uq_events_stream_id_version"),
    UniqueConstraint("event_id", name="uq_events_event_id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, autoincrement=True),
    Column("event_id", Uuid(as_uuid=False), nullable=False),
    Column("topic", Text, nullable=False),
    Column("message_key", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("properties", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Publication position, assigned by the relay in commit-visible order: the broker's sequence id.
    Column("position", BigInteger, nullable=True),
    Column("published_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("id", name="pk_outbox"),
    UniqueConstraint("event_id", name="uq_outbox_event_id"),
    UniqueConstraint("position", name="uq_outbox_position"),
    Index("ix_outbox_unpublished", "position", postgresql_where=text("published_at IS NULL")),
    Index("ix_outbox_unassigned", "id", postgresql_where=text("position IS NULL")),
    Index("ix_outbox_published", "published_at", postgresql_where=text("published_at IS NOT NULL")),
)

outbox_relay_state = Table(
    "outbox_relay_state",
    metadata,
    Column("id", SmallInteger, nullable=False, server_default=text("1")),
    Column("last_position", BigInteger, nullable=False, server_default=text("0")),
    PrimaryKeyConstraint("id", name="pk_outbox_relay_state"),
    CheckConstraint("id = 1", name="ck_outbox_relay_state_single_row"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", Text, nullable=False),
    Column("event_id", Uuid(as_uuid=False), nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
)
