"""Maps domain events to the event store's records and back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eventkit.eventstore.model import NewEvent, StoredEvent
from ingestion_svc.domain.events import DataAmended, DataReceived, DomainEvent


def to_new_event(event: DomainEvent, metadata: Mapping[str, Any]) -> NewEvent:
    if isinstance(event, DataReceived):
        data = {
            "partner_id": event.partner_id,
            "payload": event.payload,
            "external_id": event.external_id,
        }
        return NewEvent("DataReceived", data, metadata, occurred_at=event.received_at)
    return NewEvent("DataAmended", {"payload": event.payload}, metadata, occurred_at=event.amended_at)


def from_stored(stored: StoredEvent) -> DomainEvent:
    data = stored.data
    if stored.event_type == "DataReceived":
        return DataReceived(
            stored.stream_id,
            data["partner_id"],
            dict(data["payload"]),
            data.get("external_id"),
            stored.occurred_at,
        )
    if stored.event_type == "DataAmended":
        return DataAmended(stored.stream_id, dict(data["payload"]), stored.occurred_at)
    raise ValueError(f"unknown event type {stored.event_type!r} in stream {stored.stream_id}")


def domain_events(stored: Iterable[StoredEvent]) -> list[DomainEvent]:
    return [from_stored(event) for event in stored]
