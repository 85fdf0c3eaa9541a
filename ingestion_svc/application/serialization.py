"""Maps domain events to the event store's records and back, sealing payloads under the record's data key.

Events written before sealing hold a plain `payload`; they are read as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from contracts import Sealed
from eventkit.eventstore.model import NewEvent, StoredEvent
from eventkit.sealing.cipher import DataKey, open_sealed, seal
from eventkit.sealing.events import PAYLOAD
from ingestion_svc.domain.events import DataAmended, DataErased, DataReceived, DomainEvent

# The fields of stored events that hold a payload, sealed or (in events from before sealing) plain.
PAYLOAD_FIELDS = frozenset({"payload", "sealed_payload"})


def to_new_event(event: DomainEvent, metadata: Mapping[str, Any], key: DataKey | None = None) -> NewEvent:
    """The event as stored; a payload-bearing event needs the record's key."""
    if isinstance(event, DataErased):
        data = {
            "erased_at": event.erased_at.isoformat(),
            "erased_by": event.erased_by,
            "reason": event.reason,
        }
        return NewEvent("DataErased", data, metadata, occurred_at=event.erased_at)
    if key is None or event.payload is None:
        raise ValueError(f"{type(event).__name__} of record {event.record_id} needs its payload and data key")
    sealed = _sealed_json(seal(key, PAYLOAD, event.payload))
    if isinstance(event, DataReceived):
        received = {
            "partner_id": event.partner_id,
            "sealed_payload": sealed,
            "external_id": event.external_id,
        }
        return NewEvent("DataReceived", received, metadata, occurred_at=event.received_at)
    return NewEvent("DataAmended", {"sealed_payload": sealed}, metadata, occurred_at=event.amended_at)


def from_stored(stored: StoredEvent, key: DataKey | None) -> DomainEvent:
    """The domain event; its payload is None when sealed and the key is gone."""
    data = stored.data
    if stored.event_type == "DataReceived":
        return DataReceived(
            stored.stream_id,
            data["partner_id"],
            stored_payload(data, key),
            data.get("external_id"),
            stored.occurred_at,
        )
    if stored.event_type == "DataAmended":
        return DataAmended(stored.stream_id, stored_payload(data, key), stored.occurred_at)
    if stored.event_type == "DataErased":
        erased_at = datetime.fromisoformat(data["erased_at"])
        return DataErased(stored.stream_id, erased_at, data["erased_by"], data.get("reason"))
    raise ValueError(f"unknown event type {stored.event_type!r} in stream {stored.stream_id}")


def domain_events(stored: Iterable[StoredEvent], key: DataKey | None) -> list[DomainEvent]:
    return [from_stored(event, key) for event in stored]


def stored_payload(data: Mapping[str, Any], key: DataKey | None) -> dict[str, Any] | None:
    """A stored event's payload: plain as written before sealing, else opened; None without the key."""
    if data.get("payload") is not None:
        return dict(data["payload"])
    if key is None:
        return None
    opened = open_sealed(key, PAYLOAD, Sealed(**data["sealed_payload"]))
    if not isinstance(opened, dict):
        raise TypeError(f"the sealed payload of record {key.data_id} is not an object")
    return opened


def _sealed_json(sealed: Sealed) -> dict[str, str]:
    return {"nonce": sealed.nonce, "ciphertext": sealed.ciphertext}
