"""The outbox wakes its relay by itself: a statement trigger NOTIFYs the relay's channel on every insert.

Before, each writer sent `SELECT pg_notify(...)` after its outbox insert, one more round trip per
transaction; PostgreSQL delivers the trigger's NOTIFY the same way, when the inserting transaction commits.

Revision ID: eventkit_0002
Revises: eventkit_0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "eventkit_0002"
down_revision: str | Sequence[str] | None = "eventkit_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The channel is eventkit.postgres.outbox.OUTBOX_CHANNEL; a migration keeps its own copy of what it writes.
CHANNEL = "outbox"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox"
        " FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER outbox_notify ON outbox")
    op.execute("DROP FUNCTION outbox_notify()")
