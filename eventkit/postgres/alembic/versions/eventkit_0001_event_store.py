"""Event store, transactional outbox with relay state, and inbox.

Revision ID: eventkit_0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "eventkit_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("eventkit",)
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False, default_now: bool = False) -> sa.Column[datetime]:
    server_default = sa.func.now() if default_now else None
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=server_default)


def _create_events() -> None:
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger, autoincrement=True),
        sa.Column("stream_id", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("event_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("metadata", JSONB, nullable=False),
        _timestamp("occurred_at"),
        _timestamp("recorded_at", default_now=True),
        sa.PrimaryKeyConstraint("position", name="pk_events"),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_id_version"),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
    )


def _create_outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, autoincrement=True),
        sa.Column("event_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("message_key", sa.Text, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("properties", JSONB, nullable=False),
        _timestamp("created_at", default_now=True),
        sa.Column("position", sa.BigInteger, nullable=True),
        _timestamp("published_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
        sa.UniqueConstraint("position", name="uq_outbox_position"),
    )
    op.create_index(
        "ix_outbox_unpublished", "outbox", ["position"], postgresql_where=sa.text("published_at IS NULL")
    )
    op.create_index("ix_outbox_unassigned", "outbox", ["id"], postgresql_where=sa.text("position IS NULL"))


def _create_relay_state() -> None:
    state = op.create_table(
        "outbox_relay_state",
        sa.Column("id", sa.SmallInteger, nullable=False, server_default=sa.text("1")),
        sa.Column("last_position", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_relay_state"),
        sa.CheckConstraint("id = 1", name="ck_outbox_relay_state_single_row"),
    )
    op.bulk_insert(state, [{"id": 1, "last_position": 0}])


def _create_inbox() -> None:
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.Text, nullable=False),
        sa.Column("event_id", sa.Uuid(as_uuid=False), nullable=False),
        _timestamp("handled_at", default_now=True),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )


def upgrade() -> None:
    _create_events()
    _create_outbox()
    _create_relay_state()
    _create_inbox()


def downgrade() -> None:
    for table in ("inbox", "outbox_relay_state", "outbox", "events"):
        op.drop_table(table)
