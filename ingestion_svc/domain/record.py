"""The DataRecord aggregate: a partner's record, rebuilt from its events and changed only through them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ingestion_svc.domain.errors import RecordErased, VersionConflict
from ingestion_svc.domain.events import DataAmended, DataErased, DataReceived, DomainEvent


@dataclass(frozen=True)
class DataRecord:
    id: str
    partner_id: str
    payload: dict[str, Any] | None  # None once erased: its data key is gone
    external_id: str | None
    received_at: datetime
    updated_at: datetime
    version: int  # 1 after DataReceived, +1 per DataAmended; erasure adds no version
    erased_at: datetime | None = None

    @staticmethod
    def receive(
        record_id: str, partner_id: str, payload: dict[str, Any], external_id: str | None, now: datetime
    ) -> tuple[DataRecord, DataReceived]:
        """Starts a record's life with its first submission."""
        event = DataReceived(record_id, partner_id, payload, external_id, now)
        return DataRecord.from_events([event]), event

    def amend(
        self, payload: dict[str, Any], now: datetime, expected_version: int | None = None
    ) -> tuple[DataRecord, DataAmended | None]:
        """Replaces the payload (no event if unchanged); VersionConflict if `expected_version` is stale,
        RecordErased once erased."""
        self._refuse_if_erased()
        if expected_version is not None and expected_version != self.version:
            raise VersionConflict(self.id, expected_version, self.version)
        if payload == self.payload:
            return self, None
        event = DataAmended(self.id, payload, now)
        return self.apply(event), event

    def erase(self, now: datetime, erased_by: str, reason: str | None) -> tuple[DataRecord, DataErased]:
        """Ends the record's readable life; RecordErased if that already happened."""
        self._refuse_if_erased()
        event = DataErased(self.id, now, erased_by, reason)
        return self.apply(event), event

    def forgotten(self, erased_at: datetime) -> DataRecord:
        """The record as anyone sees it once its key is destroyed, at whatever moment it is read as of."""
        return replace(self, payload=None, erased_at=erased_at)

    def apply(self, event: DomainEvent) -> DataRecord:
        if isinstance(event, DataAmended):
            return replace(self, payload=event.payload, updated_at=event.amended_at, version=self.version + 1)
        if isinstance(event, DataErased):
            return self.forgotten(event.erased_at)
        raise ValueError(f"{type(event).__name__} cannot apply to an existing record {self.id}")

    def _refuse_if_erased(self) -> None:
        if self.erased_at is not None:
            raise RecordErased(self.id, self.erased_at)

    @staticmethod
    def from_events(events: Iterable[DomainEvent]) -> DataRecord:
        """Rebuilds the record by replaying its events in order (the first must be DataReceived)."""
        iterator = iter(events)
        first = next(iterator, None)
        if not isinstance(first, DataReceived):
            raise ValueError("a record's history must start with DataReceived")
        record = DataRecord(
            id=first.record_id,
            partner_id=first.partner_id,
            payload=first.payload,
            external_id=first.external_id,
            received_at=first.received_at,
            updated_at=first.received_at,
            version=1,
        )
        for event in iterator:
            record = record.apply(event)
        return record
