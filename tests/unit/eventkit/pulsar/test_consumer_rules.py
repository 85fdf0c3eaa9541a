"""EventConsumer's settings checked at construction, before it subscribes to anything."""

from __future__ import annotations

from collections.abc import Iterator

import pulsar
import pytest

from eventkit.pulsar.consumer import EventConsumer
from eventkit.pulsar.delivery import Delivery

TOPIC = "persistent://public/default/data-ingested"


@pytest.fixture
def client() -> Iterator[pulsar.Client]:
    # The client connects lazily; nothing here subscribes.
    pulsar_client = pulsar.Client("pulsar://127.0.0.1:1")
    yield pulsar_client
    pulsar_client.close()


def test_the_dead_letter_topic_is_the_contracts_name_for_topic_and_subscription(
    client: pulsar.Client,
) -> None:
    consumer = EventConsumer(client, TOPIC, "query-views", lambda event: None)

    assert consumer.dead_letter_topic == f"{TOPIC}-query-views-DLQ"


def test_a_message_must_be_allowed_at_least_one_redelivery(client: pulsar.Client) -> None:
    with pytest.raises(ValueError, match="max_redeliveries"):
        Delivery(max_redeliveries=0)


class _StubConsumer:
    """Stands in for pulsar.Consumer's receive calls, recording them."""

    def __init__(self, queued: list[str]) -> None:
        self.queued = queued
        self.calls: list[str] = []

    def receive(self, timeout_millis: int) -> str:
        self.calls.append(f"receive {timeout_millis}")
        if not self.queued:
            raise pulsar.Timeout()
        return self.queued.pop(0)

    def batch_receive(self) -> list[str]:
        self.calls.append("batch_receive")
        rest, self.queued = self.queued, []
        return rest


def _batching(client: pulsar.Client) -> EventConsumer:
    return EventConsumer(
        client,
        TOPIC,
        "views",
        lambda event: None,
        batch_handler=lambda events: None,
        delivery=Delivery(batch=50),
    )


def test_an_idle_batch_consumer_waits_in_a_blocking_receive(client: pulsar.Client) -> None:
    # batch_receive returns after its batch wait even when nothing came: polled in a loop, an idle consumer
    # woke 100 times a second. The first message is awaited with receive, which blocks in the client.
    stub = _StubConsumer([])
    assert _batching(client)._receive_batch(stub) == []
    assert stub.calls == ["receive 500"]


def test_a_batch_is_its_first_message_and_what_follows_within_the_batch_wait(client: pulsar.Client) -> None:
    stub = _StubConsumer(["m1", "m2", "m3"])
    assert _batching(client)._receive_batch(stub) == ["m1", "m2", "m3"]
    assert stub.calls == ["receive 500", "batch_receive"]
