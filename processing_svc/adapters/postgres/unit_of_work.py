"""processing's unit of work: eventkit's events, outbox and inbox plus the duplicate index, together."""

from __future__ import annotations

from typing import Self

from eventkit.postgres.unit_of_work import PostgresUnitOfWork
from processing_svc.adapters.postgres.duplicates import PostgresDuplicateIndex
from processing_svc.application.ports import FingerprintIndex


class PostgresProcessingUnitOfWork(PostgresUnitOfWork):
    """Adds the duplicate index to the transaction of the events, outbox and inbox."""

    duplicates: FingerprintIndex

    def __enter__(self) -> Self:
        super().__enter__()
        self.duplicates = PostgresDuplicateIndex(self.connection)
        return self
