"""The relay purges published outbox rows past their retention: an index on published_at finds them.

Partial (published rows only), so the writers' inserts of unpublished rows do not touch it; the relay's
mark adds each row once, and the purge removes it again.

Revision ID: eventkit_0003
Revises: eventkit_0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "eventkit_0003"
down_revision: str | Sequence[str] | None = "eventkit_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_published",
        "outbox",
        ["published_at"],
        postgresql_where=sa.text("published_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_published", table_name="outbox")
