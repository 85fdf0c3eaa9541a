"""Fixtures for the Pulsar adapter tests: a client, fresh topics, events to publish, polling helpers."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pulsar
import pytest

from contracts import (
    DataIngested,
    IntegrationEvent,
    content_hash,
    encode,
    message_key,
    message_properties,
    new_event,
)
from eventkit.messaging import OutboundMessage
from eventkit.pulsar.admin import topics_path
from eventkit.pulsar.consumer import EventConsumer
from tests.helpers import delete_topics
from tests.stack import StackEndpoints

TopicFactory = Callable[[str], str]


def ingested(
    data_id: str | None = None, version: int = 1, *, correlation_id: str = "corr-1"
) -> IntegrationEvent:
    """Builds a valid DataIngested event for a record (a fresh one unless given)."""
    payload = {"record": data_id, "version": version}
    return new_event(
        "DataIngested",
        data_id=data_id or str(uuid.uuid4()),
        partner_id="partner-test",
        record_version=version,
        data=DataIngested(payload, datetime.now(UTC), content_hash(payload)),
        producer="eventkit-tests",
        correlation_id=correlation_id,
    )


def outbound(topic: str, event: IntegrationEvent, sequence_id: int) -> OutboundMessage:
    """Wraps an event as the outbox relay would hand it to the publisher."""
    return OutboundMessage(
        topic=topic,
        key=message_key(event),
        payload=encode(event),
        event_id=event.event_id,
        properties=message_properties(event),
        sequence_id=sequence_id,
    )


def drain(consumer: Any, *, idle_ms: int = 1500) -> list[Any]:
    """Receives and acknowledges messages until none arrives for idle_ms."""
    messages: list[Any] = []
    while True:
        try:
            message = consumer.receive(timeout_millis=idle_ms)
        except pulsar.Timeout:
            return messages
        consumer.acknowledge(message)
        messages.append(message)


@contextmanager
def running(consumer: EventConsumer, *, join_timeout_s: float = 10.0) -> Iterator[threading.Thread]:
    """Runs the consumer loop in a thread and makes sure it ended when the block exits."""
    thread = threading.Thread(target=consumer.run, name=f"test-{consumer.subscription}")
    thread.start()
    try:
        yield thread
    finally:
        consumer.stop()
        thread.join(join_timeout_s)
    assert not thread.is_alive(), "the consumer loop did not stop"


def connected_consumers(stack: StackEndpoints, topic: str, subscription: str) -> int:
    """Returns how many consumers the broker sees on a subscription (0 before it exists)."""
    response = stack.pulsar_admin.get(f"{topics_path(topic)}/stats")
    if response.status_code == 404:
        return 0
    response.raise_for_status()
    subscriptions = response.json().get("subscriptions", {})
    return len(subscriptions.get(subscription, {}).get("consumers", []))


@pytest.fixture(scope="session")
def _created_topics(stack: StackEndpoints) -> Iterator[list[str]]:
    """Collects the topics tests create and deletes them (and their dead letters) at the end."""
    created: list[str] = []
    yield created
    delete_topics(stack.pulsar_admin, stack.pulsar_namespace, *created)


@pytest.fixture
def new_topic(stack: StackEndpoints, _created_topics: list[str]) -> TopicFactory:
    """Returns a factory of fresh, uniquely named topics in the stack's namespace."""

    def make(purpose: str) -> str:
        short = f"eventkit-{purpose}-{uuid.uuid4().hex[:12]}"
        _created_topics.append(short)
        return f"{stack.pulsar_namespace}/{short}"

    return make
