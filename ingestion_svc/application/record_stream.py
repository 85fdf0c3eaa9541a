"""A record read back from its event stream and its data key, as the caller's partner may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from eventkit.eventstore.model import StoredEvent
from eventkit.sealing.cipher import DataKey
from ingestion_svc.application.ports import IngestionUnitOfWork, StoredKey
from ingestion_svc.application.serialization import domain_events
from ingestion_svc.domain.errors import RecordNotFound
from ingestion_svc.domain.record import DataRecord


@dataclass(frozen=True)
class LoadedRecord:
    record: DataRecord
    events: list[StoredEvent]  # the stream as read (up to `as_of`): the audit trail needs no second read
    stored_key: StoredKey | None  # None for a record stored before data keys, whose payloads are plain

    @property
    def key(self) -> DataKey | None:
        return self.stored_key.key if self.stored_key else None

    @property
    def stream_version(self) -> int:
        """The stream's last event (an erasure adds one that `record.version` does not count)."""
        return self.events[-1].version


def read_record(
    uow: IngestionUnitOfWork,
    record_id: str,
    partner_scope: str | None,
    as_of: datetime | None = None,
    *,
    lock: bool = False,
) -> LoadedRecord:
    """Rebuilds the record from its events (those up to `as_of` when given) and its key; RecordNotFound
    also for another partner's record, which does not exist for this caller. `lock` holds the record's key
    entry until the unit of work ends (erasure and amendments take it)."""
    events = uow.events.read_stream(record_id, until=as_of)
    if not events or (partner_scope is not None and events[0].data["partner_id"] != partner_scope):
        raise RecordNotFound(record_id)
    stored_key = uow.keys.get(record_id, lock=lock)
    record = DataRecord.from_events(domain_events(events, stored_key.key if stored_key else None))
    if stored_key is not None and stored_key.erasure is not None:
        # Erased now, so unreadable as of any moment, even one before the erasure.
        record = record.forgotten(stored_key.erasure.erased_at)
    return LoadedRecord(record, events, stored_key)


def load_record(
    uow: IngestionUnitOfWork, record_id: str, partner_scope: str | None, as_of: datetime | None = None
) -> DataRecord:
    """The record as `read_record` rebuilds it."""
    return read_record(uow, record_id, partner_scope, as_of).record
