"""Feeds data-ingested to the validation handler through eventkit's Key_Shared consumer."""

from __future__ import annotations

import pulsar

from eventkit.pulsar.consumer import EventConsumer
from eventkit.sealing.keys import KeysUnavailable
from validation_svc.application.handler import ValidateRecord
from validation_svc.domain.errors import StoreUnavailable

# Every copy of the consumer joins this Key_Shared subscription; its dead letters go to
# <data-ingested>-validation_svc-DLQ.
SUBSCRIPTION = "validation_svc"


def validation_consumer(
    client: pulsar.Client,
    topic: str,
    handler: ValidateRecord,
    *,
    batch: int,
    batch_wait_ms: int,
    max_redeliveries: int,
    consumer_name: str,
) -> EventConsumer:
    """The consumer of data-ingested: each batch's runs logged in one Redis round trip, one by one after a
    failure; an unreachable Redis or key store sends the rest of a failed batch back untried."""
    return EventConsumer(
        client,
        topic,
        SUBSCRIPTION,
        handler,
        max_redeliveries=max_redeliveries,
        consumer_name=consumer_name,
        batch_handler=handler.handle_batch,
        max_batch=batch,
        batch_wait_ms=batch_wait_ms,
        outage_errors=(StoreUnavailable, KeysUnavailable),
    )
