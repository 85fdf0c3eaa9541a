"""The duplicate index on PostgreSQL: the first record of each (partner, fingerprint), race-safe."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    bindparam,
    delete,
    func,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert

from eventkit.postgres.errors import translated_errors
from processing_svc.application.ports import Holder
from processing_svc.domain.steps.base import Claim

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


Key = tuple[str, str]  # (partner_id, fingerprint)

# A batch's claims as multi-row INSERTs (executemany: compiled once, the rows sent as VALUES pages, in
# order): PostgreSQL inserts VALUES rows in order, so of two claims of one key in the batch the first wins
# (DO NOTHING skips the second), as one claim after another would.
_CLAIM = (
    insert(fingerprints)
    .on_conflict_do_nothing(index_elements=["partner_id", "fingerprint"])
    .returning(fingerprints.c.partner_id, fingerprints.c.fingerprint, fingerprints.c.data_id)
)
_HOLDERS = select(fingerprints.c.partner_id, fingerprints.c.fingerprint, fingerprints.c.data_id).where(
    tuple_(fingerprints.c.partner_id, fingerprints.c.fingerprint).in_(bindparam("keys", expanding=True))
)

# By (partner, record): the partner is the primary key's prefix, so an erasure reads one partner's rows.
_RELEASE = delete(fingerprints).where(
    tuple_(fingerprints.c.partner_id, fingerprints.c.data_id).in_(bindparam("holders", expanding=True))
)


class PostgresDuplicateIndex:
    """Claims fingerprints on the unit of work's connection, so a claim commits with the step events."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def first_with_many(self, claims: Sequence[Claim]) -> list[str]:
        """Claims each fingerprint in order unless claimed (one INSERT for all), and returns each claim's
        holder, looking up (one SELECT) only the keys another record held already."""
        if not claims:
            return []
        # Claimed in key order (stable, so a batch's own order decides between its claims of one key): two
        # transactions claiming overlapping keys then take their row locks in the same order, and one waits
        # for the other instead of both deadlocking. A concurrent claim of the same key makes the INSERT wait
        # for it; if that one commits, DO NOTHING applies and the SELECT (a new statement, so a new snapshot,
        # unlike a CTE) sees the winner.
        rows = [
            {"partner_id": p, "fingerprint": f, "data_id": d}
            for p, f, d in sorted(claims, key=lambda c: c[:2])
        ]
        with translated_errors("claim fingerprints"):
            holders: dict[Key, str] = {(p, f): d for p, f, d in self._connection.execute(_CLAIM, rows)}
            held_before = sorted({(p, f) for p, f, _ in claims} - holders.keys())
            if held_before:
                found = self._connection.execute(_HOLDERS, {"keys": held_before})
                holders.update({(p, f): d for p, f, d in found})
        return [holders[(p, f)] for p, f, _ in claims]

    def release(self, holders: Sequence[Holder]) -> None:
        """Deletes the records' fingerprints (one DELETE for all), in the unit of work's transaction."""
        if not holders:
            return
        with translated_errors("release fingerprints"):
            self._connection.execute(_RELEASE, {"holders": sorted(set(holders))})
