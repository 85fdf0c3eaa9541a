"""ingestion's unit of work: eventkit's events, outbox and inbox plus idempotency keys, in one transaction."""

from __future__ import annotations

from typing import Self

from eventkit.postgres.unit_of_work import PostgresUnitOfWork
from ingestion_svc.adapters.postgres.idempotency import PostgresIdempotencyStore
from ingestion_svc.application.ports import IdempotencyStore


class PostgresIngestionUnitOfWork(PostgresUnitOfWork):
    idempotency: IdempotencyStore

    def __enter__(self) -> Self:
        super().__enter__()
        self.idempotency = PostgresIdempotencyStore(self.connection)
        return self
