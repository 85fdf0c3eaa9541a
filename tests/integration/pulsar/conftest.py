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
import requests

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
from eventkit.pulsar.admin import namespace_path
from eventkit.pulsar.client import make_client
from eventkit.pulsar.consumer import EventConsumer
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
    url = f"{_admin_base(stack)}/{topic.rsplit('/', 1)[-1]}/stats"
    response = requests.get(url, timeout=5)
    if response.status_code == 404:
        return 0
    response.raise_for_status()
    subscriptions = response.json().get("subscriptions", {})
    return len(subscriptions.get(subscription, {}).get("consumers", []))


@pytest.fixture
def client(stack: StackEndpoints) -> Iterator[pulsar.Client]:
    """A client on the real broker, closed after the test."""
    pulsar_client = make_client(stack.pulsar_service_url, operation_timeout_s=15)
    yield pulsar_client
    pulsar_client.close()


@pytest.fixture(scope="session")
def _created_topics(stack: StackEndpoints) -> Iterator[list[str]]:
    """Collects the topics tests create and deletes them (and their dead letters) at the end."""
    created: list[str] = []
    yield created
    _delete_topics(stack, created)


@pytest.fixture
def new_topic(stack: StackEndpoints, _created_topics: list[str]) -> TopicFactory:
    """Returns a factory of fresh, uniquely named topics in the stack's namespace."""

    def make(purpose: str) -> str:
        short = f"eventkit-{purpose}-{uuid.uuid4().hex[:12]}"
        _created_topics.append(short)
        return f"{stack.pulsar_namespace}/{short}"

    return make


def _admin_base(stack: StackEndpoints) -> str:
    return f"{stack.pulsar_admin_url}/admin/v2/persistent/{namespace_path(stack.pulsar_namespace)}"


def _delete_topics(stack: StackEndpoints, shorts: list[str]) -> None:
    """Deletes the given topics and any topic derived from them; the namespace keeps history forever."""
    base = _admin_base(stack)
    # Best effort: a leftover test topic costs a little disk, never a wrong result.
    try:
        existing = requests.get(base, timeout=5).json()
        doomed = [name.rsplit("/", 1)[-1] for name in existing if any(s in name for s in shorts)]
        for short in doomed:
            requests.delete(f"{base}/{short}", params={"force": "true"}, timeout=10)
    except requests.RequestException:
        pass
