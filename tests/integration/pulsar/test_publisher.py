"""PulsarPublisher on the real broker: order and metadata kept, re-sends deduplicated, failures raised."""

from __future__ import annotations

import socket
import time
import uuid

import pulsar
import pytest
from prometheus_client import REGISTRY

from contracts import decode
from eventkit.messaging import PublishError
from eventkit.pulsar.client import make_client
from eventkit.pulsar.publisher import PulsarPublisher, producer_name_for
from tests.integration.pulsar.conftest import TopicFactory, drain, ingested, outbound
from tests.stack import StackEndpoints


def _subscribe(client: pulsar.Client, topic: str) -> pulsar.Consumer:
    return client.subscribe(
        topic,
        "check",
        consumer_type=pulsar.ConsumerType.KeyShared,
        initial_position=pulsar.InitialPosition.Earliest,
    )


def test_messages_arrive_in_order_with_key_properties_and_payload(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("publish-order")
    records = [str(uuid.uuid4()) for _ in range(3)]
    messages = [outbound(topic, ingested(records[n % 3], n // 3 + 1), n + 1) for n in range(12)]
    publisher = PulsarPublisher(client, "orders-relay")
    try:
        publisher.publish(messages)
        assert publisher.last_sequence_id(topic) == 12
    finally:
        publisher.close()

    received = drain(_subscribe(client, topic))

    assert [m.data() for m in received] == [m.payload for m in messages]
    assert [m.partition_key() for m in received] == [m.key for m in messages]
    assert [m.properties() for m in received] == [dict(m.properties) for m in messages]
    assert [decode(m.data()).event_id for m in received] == [m.event_id for m in messages]
    assert {m.producer_name() for m in received} == {producer_name_for("orders-relay", topic)}


def test_a_restarted_relay_re_sending_the_same_sequence_ids_creates_no_duplicates(
    stack: StackEndpoints, client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("publish-dedup")
    keys = [str(uuid.uuid4()) for _ in range(2)]
    # Keys interleave so that any batching that groups messages by key would reorder sequence ids.
    messages = [outbound(topic, ingested(keys[n % 2], n // 2 + 1), n + 1) for n in range(10)]
    first_client = stack.pulsar_client()
    first = PulsarPublisher(first_client, "dedup-relay")
    first.publish(messages[:6])
    first.close()
    first_client.close()

    restarted_client = stack.pulsar_client()
    restarted = PulsarPublisher(restarted_client, "dedup-relay")
    try:
        assert restarted.last_sequence_id(topic) == 6
        restarted.publish(messages)  # the crash left the outbox unmarked: everything goes again
    finally:
        restarted.close()
        restarted_client.close()

    received = drain(_subscribe(client, topic))
    assert [decode(m.data()).event_id for m in received] == [m.event_id for m in messages]
    assert REGISTRY.get_sample_value("pulsar_messages_deduplicated_total", {"topic": topic}) == 6
    assert REGISTRY.get_sample_value("pulsar_messages_published_total", {"topic": topic}) == 10


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_publishing_to_an_unreachable_broker_raises_publish_error(new_topic: TopicFactory) -> None:
    topic = new_topic("publish-unreachable")
    message = outbound(topic, ingested(), 1)
    unreachable = make_client(f"pulsar://127.0.0.1:{_closed_port()}", operation_timeout_s=3)
    publisher = PulsarPublisher(unreachable, "lost-relay", send_timeout_ms=3000)
    started = time.monotonic()
    try:
        with pytest.raises(PublishError) as raised:
            publisher.publish([message])
    finally:
        publisher.close()
        unreachable.close()

    assert time.monotonic() - started < 15
    assert message.event_id in str(raised.value)
    assert topic in str(raised.value)


def test_publishing_through_a_closed_client_raises_publish_error(
    stack: StackEndpoints, new_topic: TopicFactory
) -> None:
    topic = new_topic("publish-closed")
    closed = stack.pulsar_client()
    publisher = PulsarPublisher(closed, "closed-relay")
    publisher.publish([outbound(topic, ingested(), 1)])
    closed.close()
    message = outbound(topic, ingested(), 2)

    with pytest.raises(PublishError, match=message.event_id):
        publisher.publish([message])
    publisher.close()
