"""A service's Key_Shared subscription, declared once in its adapters/pulsar, and the consumers it makes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pulsar

from contracts import IntegrationEvent
from eventkit.pulsar.consumer import EventConsumer
from eventkit.pulsar.delivery import Delivery


class BatchingHandler(Protocol):
    """A use case that handles one event, or a batch of them in one write."""

    def __call__(self, event: IntegrationEvent) -> None: ...

    def handle_batch(self, events: Sequence[IntegrationEvent]) -> object: ...


@dataclass(frozen=True)
class Subscription:
    """Every copy of a service's consumer joins the subscription `name` (its dead letters go to
    `<topic>-<name>-DLQ`). `outage_errors` are what the handler raises when a store it needs does not
    answer: the rest of a failed batch then goes back untried, and no message is given up on for it."""

    name: str
    outage_errors: tuple[type[Exception], ...]

    def consumer(
        self,
        client: pulsar.Client,
        topic: str,
        handler: BatchingHandler,
        delivery: Delivery,
        *,
        consumer_name: str | None = None,
    ) -> EventConsumer:
        """A consumer of `topic` handing batches to `handler.handle_batch`, and a failed batch's messages
        one by one to `handler`."""
        return EventConsumer(
            client,
            topic,
            self.name,
            handler,
            delivery=delivery,
            batch_handler=handler.handle_batch,
            outage_errors=self.outage_errors,
            consumer_name=consumer_name,
        )
