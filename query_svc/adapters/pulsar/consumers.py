"""Feeds each topic's integration events to the projector through eventkit's Key_Shared consumers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pulsar

from contracts import DataIngested, DataProcessed, DataValidated, IntegrationEvent, topic_for
from eventkit.pulsar.consumer import EventConsumer
from eventkit.pulsar.delivery import Delivery
from eventkit.pulsar.subscriptions import Subscription
from eventkit.sealing.keys import KeysUnavailable
from query_svc.application.combining import CombiningApplier
from query_svc.application.opening import EntryOpener
from query_svc.application.ports import Checkpoints
from query_svc.application.projector import Applier
from query_svc.domain.errors import ViewStoreDown

# The projector's consumers of the three topics join this subscription (dead letters:
# <topic>-query-projector-DLQ); a key store that does not answer is an outage like the view store's.
SUBSCRIPTION = Subscription("query-projector", outage_errors=(ViewStoreDown, KeysUnavailable))
EVENT_TYPES = (DataIngested.EVENT_TYPE, DataValidated.EVENT_TYPE, DataProcessed.EVENT_TYPE)


class TopicProjection:
    """What the projector's consumer of one topic does with its events: opens their sealed fields (one
    lookup of keys per batch), applies them idempotently, in bulk for a batch, then advances the topic's
    checkpoint."""

    def __init__(self, projector: Applier, opener: EntryOpener, checkpoints: Checkpoints, topic: str) -> None:
        self._projector = projector
        self._opener = opener
        self._checkpoints = checkpoints
        self._topic = topic

    def __call__(self, event: IntegrationEvent) -> None:
        (entry,) = self._opener.entries([event])
        self._projector.apply(event.data_id, entry)
        self._checkpoints.advance(self._topic, entry.event_id, entry.occurred_at)

    def handle_batch(self, events: Sequence[IntegrationEvent]) -> None:
        entries = self._opener.entries(events)
        self._projector.apply_many(entries)
        newest = max(entries, key=lambda e: e.occurred_at)
        handled = len(entries)
        self._checkpoints.advance(self._topic, newest.event_id, newest.occurred_at, handled=handled)


def projector_consumers(
    client: pulsar.Client,
    projector: Applier,
    opener: EntryOpener,
    checkpoints_for: Callable[[str], Checkpoints],
    topics: Sequence[str],
    *,
    delivery: Delivery,
    subscription: Subscription = SUBSCRIPTION,
    gather_ms: int = 0,
    consumer_name: str | None = None,
) -> list[EventConsumer]:
    """One consumer per topic on a shared Key_Shared subscription, each with its own checkpoint writer,
    applying what arrived within the delivery's `batch_wait_ms` (up to `batch` events) in one bulk write,
    together with the batches the other topics' consumers hand over meanwhile or within `gather_ms`
    (CombiningApplier). A key store that does not answer is an outage like the view store's: the batch is
    retried, its events never given up on for it.

    All three consumers take the same `consumer_name`, which must differ between processes: the broker
    places a Key_Shared consumer on its hash ring by name alone, so a process then owns the same records
    on every topic, and copies of the service do not write each other's views (with names of the client's
    choosing, a record's three events went to different copies, and each refolded the others' writes)."""
    combining = CombiningApplier(projector, gather_s=gather_ms / 1000)
    consumers = []
    for topic in topics:
        handler = TopicProjection(combining, opener, checkpoints_for(topic), topic)
        consumers.append(subscription.consumer(client, topic, handler, delivery, consumer_name=consumer_name))
    return consumers


def projector_topics(namespace: str) -> list[str]:
    return [topic_for(event_type, namespace) for event_type in EVENT_TYPES]
