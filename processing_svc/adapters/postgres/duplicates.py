"""The duplicate index on PostgreSQL: the first record of each (partner, fingerprint), race-safe."""

from __future__ import annotations

from sqlalchemy import Column, Connection, DateTime, MetaData, PrimaryKeyConstraint, Table, Text, func, select
from sqlalchemy.dialects.postgresql import insert

from eventkit.postgres.errors import translated_errors

metadata = MetaData()

fingerprints = Table(
    "fingerprints",
    metadata,
    Column("partner_id", Text, nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("data_id", Text, nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("partner_id", "fingerprint", name="pk_fingerprints"),
)


class PostgresDuplicateIndex:
    """Claims fingerprints on the unit of work's connection, so a claim commits with the step events."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def first_with(self, partner_id: str, fingerprint: str, data_id: str) -> str:
        """Claims the fingerprint for `data_id` unless claimed, and returns the record that holds it."""
        # A concurrent claim of the same key makes this INSERT wait for it; if that one commits, DO NOTHING
        # applies and the SELECT (a new statement, so a new snapshot, unlike a CTE) sees the winner.
        claim = (
            insert(fingerprints)
            .values(partner_id=partner_id, fingerprint=fingerprint, data_id=data_id)
            .on_conflict_do_nothing(index_elements=["partner_id", "fingerprint"])
            .returning(fingerprints.c.data_id)
        )
        holder = select(fingerprints.c.data_id).where(
            fingerprints.c.partner_id == partner_id, fingerprints.c.fingerprint == fingerprint
        )
        with translated_errors("claim a fingerprint"):
            if self._connection.execute(claim).first() is not None:
                return data_id  # the claim is ours: no need to look the holder up
            return str(self._connection.execute(holder).scalar_one())
