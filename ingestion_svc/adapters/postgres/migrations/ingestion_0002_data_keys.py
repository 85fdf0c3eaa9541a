"""Records' data keys, wrapped under a key-encryption key; a destroyed key leaves who erased it and when.

Revision ID: ingestion_0002
Revises: ingestion_0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ingestion_0002"
down_revision: str | Sequence[str] | None = "ingestion_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("data_id", sa.Text, primary_key=True),
        sa.Column("partner_id", sa.Text, nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
        sa.Column("kek_id", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_by", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        # A key is live exactly until its erasure, and a live key names the KEK it is wrapped under.
        sa.CheckConstraint(
            "(wrapped_key IS NULL) = (erased_at IS NOT NULL) AND (wrapped_key IS NULL) = (kek_id IS NULL)",
            name="ck_data_keys_live_or_erased",
        ),
    )
    # Rotation walks the live keys still wrapped under an older KEK.
    op.create_index(
        "ix_data_keys_live_kek",
        "data_keys",
        ["kek_id", "data_id"],
        postgresql_where=sa.text("kek_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("data_keys")
