"""The Pulsar message key and properties that travel beside an encoded event."""

from __future__ import annotations

from contracts.envelope import IntegrationEvent


def message_key(event: IntegrationEvent) -> str:
    """Returns the record id, so Key_Shared subscriptions keep each record's events in order."""
    return event.data_id


def message_properties(event: IntegrationEvent) -> dict[str, str]:
    """Returns the properties that let brokers and consumers route an event without parsing it."""
    return {
        "event_type": event.event_type,
        "schema_version": str(event.schema_version),
        "correlation_id": event.correlation_id,
    }
