"""Builds new integration events at the latest schema version, validated as consumers will read them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from contracts.codec import decode
from contracts.envelope import IntegrationEvent
from contracts.errors import InvalidEvent
from contracts.events import EventData
from contracts.json_values import JsonObject
from contracts.registry import EventSpec, spec_for
from contracts.wire import format_rfc3339


def new_event(
    event_type: str,
    *,
    data_id: str | uuid.UUID,
    partner_id: str,
    record_version: int,
    data: EventData | Mapping[str, Any],
    producer: str,
    correlation_id: str,
    causation_id: str | None = None,
    event_id: str | uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> IntegrationEvent:
    """Builds a valid event, with a fresh id and the current time unless given, or raises InvalidEvent."""
    spec = spec_for(event_type)
    wire = {
        "event_id": str(event_id or uuid.uuid4()),
        "event_type": event_type,
        "schema_version": spec.latest_version,
        "occurred_at": format_rfc3339(occurred_at or datetime.now(UTC)),
        "producer": producer,
        "data_id": str(data_id),
        "partner_id": partner_id,
        "record_version": record_version,
        "correlation_id": correlation_id,
        "causation_id": causation_id,
        "data": _raw_data(spec, data),
    }
    return decode(wire)


def follow_up_event(cause: IntegrationEvent, data: EventData, producer: str) -> IntegrationEvent:
    """Builds the event a consumer publishes about what `cause` announced: the same record version, partner
    and correlation, caused by `cause`."""
    return new_event(
        data.EVENT_TYPE,
        data_id=cause.data_id,
        partner_id=cause.partner_id,
        record_version=cause.record_version,
        data=data,
        producer=producer,
        correlation_id=cause.correlation_id,
        causation_id=cause.event_id,
    )


def _raw_data(spec: EventSpec, data: EventData | Mapping[str, Any]) -> JsonObject:
    """Returns data in its wire form, whether it was given as its dataclass or as a mapping."""
    if isinstance(data, Mapping):
        return dict(data)
    if not isinstance(data, spec.data_class):
        found = type(data).__name__
        raise InvalidEvent.at("data", f"{spec.event_type} needs {spec.data_class.__name__} data, got {found}")
    dumped: JsonObject = spec.codec.dump(data)
    return dumped
