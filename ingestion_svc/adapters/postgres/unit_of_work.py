"""ingestion's unit of work: eventkit's events, outbox and inbox plus idempotency keys and records' data
keys, in one transaction."""

from __future__ import annotations

from typing import Self

from sqlalchemy import Engine

from eventkit.postgres.unit_of_work import PostgresUnitOfWork
from ingestion_svc.adapters.kek import KekFile
from ingestion_svc.adapters.postgres.data_keys import PostgresKeyStore
from ingestion_svc.adapters.postgres.idempotency import PostgresIdempotencyStore
from ingestion_svc.application.ports import IdempotencyStore, KeyStore


class PostgresIngestionUnitOfWork(PostgresUnitOfWork):
    idempotency: IdempotencyStore
    keys: KeyStore

    def __init__(self, engine: Engine, keks: KekFile) -> None:
        super().__init__(engine)
        self._keks = keks

    def __enter__(self) -> Self:
        super().__enter__()
        self.idempotency = PostgresIdempotencyStore(self.connection)
        self.keys = PostgresKeyStore(self.connection, self._keks)
        return self
