"""Feeds data-ingested to the processing handler through eventkit's Key_Shared consumer."""

from __future__ import annotations

import pulsar

from eventkit.eventstore.errors import StoreUnavailable
from eventkit.pulsar.consumer import EventConsumer
from eventkit.sealing.keys import KeysUnavailable
from processing_svc.application.handler import ProcessRecord

# Every copy of the consumer joins this Key_Shared subscription; its dead letters go to
# <data-ingested>-processing_svc-DLQ.
SUBSCRIPTION = "processing_svc"


def processing_consumer(
    client: pulsar.Client,
    topic: str,
    handler: ProcessRecord,
    *,
    batch: int,
    batch_wait_ms: int,
    max_redeliveries: int,
    nack_delay_ms: int,
    subscription: str = SUBSCRIPTION,
    consumer_name: str | None = None,
) -> EventConsumer:
    """The consumer of data-ingested: batches processed in one transaction each, one by one after a
    failure; an unreachable PostgreSQL or key store sends the rest of a failed batch back untried."""
    return EventConsumer(
        client,
        topic,
        subscription,
        handler,
        max_redeliveries=max_redeliveries,
        nack_delay_ms=nack_delay_ms,
        consumer_name=consumer_name,
        batch_handler=handler.handle_batch,
        max_batch=batch,
        batch_wait_ms=batch_wait_ms,
        outage_errors=(StoreUnavailable, KeysUnavailable),
    )
