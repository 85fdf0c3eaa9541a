"""The duplicate index: the first record of each (partner, fingerprint).

Revision ID: processing_0001
Revises:
Depends on: eventkit_0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "processing_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("processing",)
depends_on: str | Sequence[str] | None = "eventkit_0001"


def upgrade() -> None:
    op.create_table(
        "fingerprints",
        sa.Column("partner_id", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("data_id", sa.Text, nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("partner_id", "fingerprint", name="pk_fingerprints"),
    )


def downgrade() -> None:
    op.drop_table("fingerprints")
