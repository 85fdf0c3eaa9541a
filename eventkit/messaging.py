"""What crosses the broker boundary: outbound messages and the publisher port."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import contracts


@dataclass(frozen=True)
class OutboundMessage:
    """One integration event ready to publish: the outbox row as the publisher sees it."""

    topic: str  # full topic name, e.g. persistent://public/default/data-ingested
    key: str  # Pulsar message key: the record's data_id, so Key_Shared keeps per-record order
    payload: bytes  # contracts.encode(event)
    event_id: str
    properties: Mapping[str, str] = field(default_factory=dict)  # event_type, schema_version, correlation_id
    # Position in the outbox's publication order (assigned by the single active relay): the Pulsar
    # sequence_id, so the broker's deduplication drops a re-send after a relay crash.
    sequence_id: int = 0


def outbound(event: contracts.IntegrationEvent, topic: str) -> OutboundMessage:
    """Wraps an integration event for the outbox: keyed by data_id, with the contract's properties."""
    return OutboundMessage(
        topic=topic,
        key=contracts.message_key(event),
        payload=contracts.encode(event),
        event_id=event.event_id,
        properties=contracts.message_properties(event),
    )


class PublishError(Exception):
    """The broker did not confirm a message; nothing after it in the batch may be assumed published."""


class Publisher(Protocol):
    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        """Sends the messages in order and returns once the broker has persisted every one, or raises."""
        ...

    def close(self) -> None: ...
