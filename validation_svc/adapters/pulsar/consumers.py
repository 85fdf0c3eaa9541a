"""Feeds data-ingested to the validation handler through eventkit's Key_Shared consumer."""

from __future__ import annotations

import pulsar

from eventkit.pulsar.consumer import EventConsumer
from validation_svc.application.handler import ValidateRecord

# Every copy of the consumer joins this Key_Shared subscription; its dead letters go to
# <data-ingested>-validation_svc-DLQ.
SUBSCRIPTION = "validation_svc"


def validation_consumer(
    client: pulsar.Client, topic: str, handler: ValidateRecord, max_redeliveries: int, consumer_name: str
) -> EventConsumer:
    """The consumer of data-ingested: one message at a time, each validated in one atomic Redis script."""
    return EventConsumer(
        client, topic, SUBSCRIPTION, handler, max_redeliveries=max_redeliveries, consumer_name=consumer_name
    )
