"""Reads of ingestion's own store for the HTTP edge: a record as it is or was, and its audit trail."""

from __future__ import annotations

from datetime import datetime

from eventkit.eventstore.model import StoredEvent
from ingestion_svc.application.ports import UnitOfWorkFactory
from ingestion_svc.application.record_stream import load_record
from ingestion_svc.domain.record import DataRecord


class IngestionQueries:
    """Answers reads of records from their events, confined to the caller's partner."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def get(
        self, record_id: str, partner_scope: str | None = None, as_of: datetime | None = None
    ) -> DataRecord:
        """Rebuilds a record from its events, as it was at `as_of` when given."""
        with self._uow_factory() as uow:
            return load_record(uow, record_id, partner_scope, as_of)

    def history(self, record_id: str, partner_scope: str | None = None) -> list[StoredEvent]:
        """Returns the record's audit trail: every stored event in order."""
        with self._uow_factory() as uow:
            load_record(uow, record_id, partner_scope)
            return uow.events.read_stream(record_id)
