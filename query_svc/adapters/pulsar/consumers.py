"""Feeds each topic's integration events to the projector through eventkit's Key_Shared consumers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pulsar

from contracts import DataIngested, DataProcessed, DataValidated, IntegrationEvent, topic_for
from eventkit.pulsar.consumer import EventConsumer
from eventkit.sealing.keys import KeysUnavailable
from query_svc.application.combining import CombiningApplier
from query_svc.application.opening import EntryOpener
from query_svc.application.ports import Checkpoints
from query_svc.application.projector import Applier
from query_svc.domain.errors import ViewStoreDown

SUBSCRIPTION = "query-projector"
DEFAULT_BATCH = 200
DEFAULT_BATCH_WAIT_MS = 10
EVENT_TYPES = (DataIngested.EVENT_TYPE, DataValidated.EVENT_TYPE, DataProcessed.EVENT_TYPE)


def projector_handler(
    projector: Applier, opener: EntryOpener, checkpoints: Checkpoints, topic: str
) -> Callable[[IntegrationEvent], None]:
    """The handler of one topic: opens the event's sealed fields, applies it (idempotently), then advances
    the consumer's checkpoint."""

    def handle(event: IntegrationEvent) -> None:
        (entry,) = opener.entries([event])
        projector.apply(event.data_id, entry)
        checkpoints.advance(topic, entry.event_id, entry.occurred_at)

    return handle


def projector_batch_handler(
    projector: Applier, opener: EntryOpener, checkpoints: Checkpoints, topic: str
) -> Callable[[Sequence[IntegrationEvent]], None]:
    """The batch handler of one topic: opens the batch's sealed fields with one lookup of keys, applies the
    events in bulk, then advances the checkpoint once."""

    def handle(events: Sequence[IntegrationEvent]) -> None:
        entries = opener.entries(events)
        projector.apply_many(entries)
        newest = max(entries, key=lambda e: e.occurred_at)
        checkpoints.advance(topic, newest.event_id, newest.occurred_at, handled=len(entries))

    return handle


def projector_consumers(
    client: pulsar.Client,
    projector: Applier,
    opener: EntryOpener,
    checkpoints_for: Callable[[str], Checkpoints],
    topics: Sequence[str],
    *,
    subscription: str = SUBSCRIPTION,
    max_batch: int = DEFAULT_BATCH,
    batch_wait_ms: int = DEFAULT_BATCH_WAIT_MS,
    gather_ms: int = 0,
    consumer_name: str | None = None,
) -> list[EventConsumer]:
    """One consumer per topic on a shared Key_Shared subscription, each with its own checkpoint writer,
    applying what arrived within `batch_wait_ms` (up to `max_batch` events) in one bulk write, together
    with the batches the other topics' consumers hand over meanwhile or within `gather_ms`
    (CombiningApplier). A key store that does not answer is an outage like the view store's: the batch is
    retried, its events never given up on for it.

    All three consumers take the same `consumer_name`, which must differ between processes: the broker
    places a Key_Shared consumer on its hash ring by name alone, so a process then owns the same records
    on every topic, and copies of the service do not write each other's views (with names of the client's
    choosing, a record's three events went to different copies, and each refolded the others' writes)."""
    combining = CombiningApplier(projector, gather_s=gather_ms / 1000)
    consumers = []
    for topic in topics:
        checkpoints = checkpoints_for(topic)
        consumers.append(
            EventConsumer(
                client,
                topic,
                subscription,
                projector_handler(combining, opener, checkpoints, topic),
                batch_handler=projector_batch_handler(combining, opener, checkpoints, topic),
                max_batch=max_batch,
                batch_wait_ms=batch_wait_ms,
                outage_errors=(ViewStoreDown, KeysUnavailable),
                consumer_name=consumer_name,
            )
        )
    return consumers


def projector_topics(namespace: str) -> list[str]:
    return [topic_for(event_type, namespace) for event_type in EVENT_TYPES]
