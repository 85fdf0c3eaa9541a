"""Idempotency keys kept in PostgreSQL, in the same transaction as the events they answered for."""

from __future__ import annotations

from sqlalchemy import Column, Connection, DateTime, MetaData, Table, Text, func, select, text
from sqlalchemy.dialects.postgresql import JSONB

from eventkit.postgres.errors import translated_errors
from ingestion_svc.application.ports import StoredOutcome

metadata = MetaData()

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("caller", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("request_hash", Text, nullable=False),
    Column("result", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


class PostgresIdempotencyStore:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def claim(self, caller: str, key: str) -> StoredOutcome | None:
        # A transaction-scoped advisory lock on the key makes a concurrent request with the same key
        # wait for the first to commit, then find its answer, instead of racing it.
        # A lost connection is the store being unavailable (503), as in every other adapter, not a 500.
        with translated_errors("claim an idempotency key"):
            self._conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"{caller}\n{key}"}
            )
            row = self._conn.execute(
                select(idempotency_keys.c.request_hash, idempotency_keys.c.result).where(
                    idempotency_keys.c.caller == caller, idempotency_keys.c.key == key
                )
            ).first()
        return StoredOutcome(row.request_hash, row.result) if row else None

    def save(self, caller: str, key: str, outcome: StoredOutcome) -> None:
        with translated_errors("store an idempotency key"):
            self._conn.execute(
                idempotency_keys.insert().values(
                    caller=caller, key=key, request_hash=outcome.request_hash, result=outcome.result
                )
            )
