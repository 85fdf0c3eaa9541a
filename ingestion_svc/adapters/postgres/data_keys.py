"""Records' data keys in PostgreSQL, wrapped under the KEK file's current key, in the unit of work's
transaction (a record's key commits with its first event, an erasure with its DataErased)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert

from eventkit.postgres.errors import translated_errors
from ingestion_svc.adapters.kek import KekFile, KeyRing
from ingestion_svc.application.ports import Erasure, NewDataKey, StoredKey

metadata = MetaData()

data_keys = Table(
    "data_keys",
    metadata,
    Column("data_id", Text, primary_key=True),
    Column("partner_id", Text, nullable=False),
    Column("wrapped_key", LargeBinary, nullable=True),  # NULL once erased
    Column("kek_id", Text, nullable=True),  # NULL once erased
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("erased_at", DateTime(timezone=True), nullable=True),
    Column("erased_by", Text, nullable=True),
    Column("reason", Text, nullable=True),
    CheckConstraint(
        "(wrapped_key IS NULL) = (erased_at IS NOT NULL) AND (wrapped_key IS NULL) = (kek_id IS NULL)",
        name="ck_data_keys_live_or_erased",
    ),
)

_COLUMNS = (
    data_keys.c.data_id,
    data_keys.c.partner_id,
    data_keys.c.wrapped_key,
    data_keys.c.kek_id,
    data_keys.c.erased_at,
    data_keys.c.erased_by,
    data_keys.c.reason,
)

_INSERT = data_keys.insert()  # built once (as the outbox's): a multi-row .values() compiles anew every call


class PostgresKeyStore:
    def __init__(self, connection: Connection, keks: KekFile) -> None:
        self._conn = connection
        self._keks = keks

    def add(self, keys: Sequence[NewDataKey]) -> None:
        if not keys:
            return
        ring = self._keks.ring()
        rows: list[dict[str, Any]] = []
        for new in keys:
            kek_id, wrapped = ring.wrap(new.key)
            rows.append(
                {
                    "data_id": new.key.data_id,
                    "partner_id": new.partner_id,
                    "wrapped_key": wrapped,
                    "kek_id": kek_id,
                }
            )
        with translated_errors("store data keys"):
            self._conn.execute(_INSERT, rows)  # one statement, compiled once; the rows as VALUES pages

    def get(self, data_id: str, *, lock: bool = False) -> StoredKey | None:
        query = select(*_COLUMNS).where(data_keys.c.data_id == data_id)
        with translated_errors("read a data key"):
            row = self._conn.execute(query.with_for_update() if lock else query).first()
        return _entry(row, self._keks.ring()) if row else None

    def get_many(self, data_ids: Sequence[str]) -> dict[str, StoredKey]:
        if not data_ids:
            return {}
        with translated_errors("read data keys"):
            rows = self._conn.execute(select(*_COLUMNS).where(data_keys.c.data_id.in_(list(data_ids)))).all()
        ring = self._keks.ring()  # once for the lot: each call looks at the KEK file
        return {row.data_id: _entry(row, ring) for row in rows}

    def erase(self, data_id: str, partner_id: str, erasure: Erasure) -> None:
        destroyed = {
            "wrapped_key": None,
            "kek_id": None,
            "erased_at": erasure.erased_at,
            "erased_by": erasure.erased_by,
            "reason": erasure.reason,
        }
        statement = (
            insert(data_keys)
            .values(data_id=data_id, partner_id=partner_id, **destroyed)
            .on_conflict_do_update(index_elements=[data_keys.c.data_id], set_=destroyed)
        )
        with translated_errors("destroy a data key"):
            self._conn.execute(statement)


def _entry(row: Any, ring: KeyRing) -> StoredKey:  # a Row of _COLUMNS
    if row.wrapped_key is None:
        erasure = Erasure(row.erased_at, row.erased_by, row.reason)
        return StoredKey(row.data_id, row.partner_id, None, erasure)
    key = ring.unwrap(row.data_id, row.kek_id, bytes(row.wrapped_key))
    return StoredKey(row.data_id, row.partner_id, key)
