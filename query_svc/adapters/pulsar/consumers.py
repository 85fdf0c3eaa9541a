"""Feeds each topic's integration events to the projector through eventkit's Key_Shared consumers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pulsar

from contracts import DataIngested, DataProcessed, DataValidated, IntegrationEvent, to_dict, topic_for
from eventkit.pulsar.consumer import EventConsumer
from query_svc.application.ports import Checkpoints
from query_svc.application.projector import Projector, entry_from_wire

SUBSCRIPTION = "query-projector"
EVENT_TYPES = (DataIngested.EVENT_TYPE, DataValidated.EVENT_TYPE, DataProcessed.EVENT_TYPE)


def projector_handler(
    projector: Projector, checkpoints: Checkpoints, topic: str
) -> Callable[[IntegrationEvent], None]:
    """The handler of one topic: applies the event (idempotently), then advances the consumer's checkpoint."""

    def handle(event: IntegrationEvent) -> None:
        entry = entry_from_wire(to_dict(event), event.occurred_at)
        projector.apply(event.data_id, entry)
        checkpoints.advance(topic, entry.event_id, entry.occurred_at)

    return handle


def projector_consumers(
    client: pulsar.Client,
    projector: Projector,
    checkpoints_for: Callable[[str], Checkpoints],
    topics: Sequence[str],
    *,
    subscription: str = SUBSCRIPTION,
) -> list[EventConsumer]:
    """One consumer per topic on a shared Key_Shared subscription, each with its own checkpoint writer."""
    return [
        EventConsumer(
            client, topic, subscription, projector_handler(projector, checkpoints_for(topic), topic)
        )
        for topic in topics
    ]


def projector_topics(namespace: str) -> list[str]:
    return [topic_for(event_type, namespace) for event_type in EVENT_TYPES]
