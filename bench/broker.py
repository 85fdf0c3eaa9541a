"""The broker the benchmarks talk to: the local stack's (or the one PULSAR_* name), as its superuser."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pulsar

from contracts import IntegrationEvent, encode, message_key, message_properties
from eventkit.messaging import OutboundMessage
from eventkit.pulsar.admin import PulsarAdmin
from eventkit.pulsar.client import make_client
from eventkit.pulsar.delivery import Delivery
from eventkit.pulsar.publisher import PulsarPublisher
from eventkit.pulsar.subscriptions import BatchingHandler, Subscription
from reliability.settings import admin_pulsar_token, stack_environment


def service_url() -> str:
    return stack_environment()["PULSAR_SERVICE_URL"]


def client(operation_timeout_s: int = 30) -> pulsar.Client:
    """A client as the services build theirs, with the superuser's token (benchmarks make topics)."""
    return make_client(
        service_url(), operation_timeout_s=operation_timeout_s, auth_token=admin_pulsar_token()
    )


def admin() -> PulsarAdmin:
    return PulsarAdmin(stack_environment()["PULSAR_ADMIN_URL"], admin_pulsar_token())


def publish(topic: str, events: Sequence[IntegrationEvent], *, chunk: int = 500) -> None:
    """Publishes `events` to `topic` in order, keyed as the services key them, `chunk` at a time."""
    pulsar_client = client()
    publisher = PulsarPublisher(pulsar_client, f"bench-feed-{uuid.uuid4().hex[:10]}")
    try:
        messages = [
            OutboundMessage(topic, message_key(e), encode(e), e.event_id, message_properties(e), n + 1)
            for n, e in enumerate(events)
        ]
        for start in range(0, len(messages), chunk):
            publisher.publish(messages[start : start + chunk])
    finally:
        publisher.close()
        pulsar_client.close()


def consume(
    subscription: Subscription, topic: str, handler: BatchingHandler, delivery: Delivery, stop: Any
) -> None:
    """Runs one consumer of `topic`, as the service's `consume` command builds it, until `stop` is set."""
    pulsar_client = client()
    try:
        consumer = subscription.consumer(
            pulsar_client, topic, handler, delivery, consumer_name=f"bench-{uuid.uuid4().hex[:6]}"
        )
        consumer.run(stop)
    finally:
        pulsar_client.close()
