"""A record read back from its event stream, as the caller's partner may see it."""

from __future__ import annotations

from datetime import datetime

from ingestion_svc.application.ports import IngestionUnitOfWork
from ingestion_svc.application.serialization import domain_events
from ingestion_svc.domain.errors import RecordNotFound
from ingestion_svc.domain.record import DataRecord


def load_record(
    uow: IngestionUnitOfWork, record_id: str, partner_scope: str | None, as_of: datetime | None = None
) -> DataRecord:
    """Rebuilds the record from its events (those up to `as_of` when given); RecordNotFound also for another
    partner's record, which does not exist for this caller."""
    events = uow.events.read_stream(record_id, until=as_of)
    if not events:
        raise RecordNotFound(record_id)
    record = DataRecord.from_events(domain_events(events))
    if partner_scope is not None and record.partner_id != partner_scope:
        raise RecordNotFound(record_id)
    return record
