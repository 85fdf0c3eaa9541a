"""Pulsar round-trip on a Key_Shared subscription, and retention: a Reader still sees acked messages."""

from __future__ import annotations

import uuid

import pulsar

from eventkit.pulsar.admin import pulsar_check
from tests.stack import StackEndpoints


def test_produce_consume_key_shared_then_replay_from_earliest(stack: StackEndpoints) -> None:
    client = stack.pulsar_client()
    topic = f"{stack.pulsar_namespace}/roundtrip-{uuid.uuid4().hex[:8]}"
    try:
        consumer = client.subscribe(topic, "roundtrip", consumer_type=pulsar.ConsumerType.KeyShared)
        producer = client.create_producer(topic, batching_type=pulsar.BatchingType.KeyBased)
        producer.send(b'{"n": 1}', partition_key="record-1", properties={"event_type": "DataIngested"})
        message = consumer.receive(timeout_millis=10_000)
        assert (message.data(), message.partition_key()) == (b'{"n": 1}', "record-1")
        assert message.properties() == {"event_type": "DataIngested"}
        consumer.acknowledge(message)
        consumer.close()

        reader = client.create_reader(topic, pulsar.MessageId.earliest)
        replayed = reader.read_next(timeout_millis=10_000)
        assert (replayed.data(), replayed.partition_key()) == (b'{"n": 1}', "record-1")
    finally:
        client.close()


def test_namespace_keeps_history_forever_and_deduplicates(stack: StackEndpoints) -> None:
    ns = f"/namespaces/{stack.pulsar_namespace.split('://', 1)[1]}"  # tenant/namespace
    retention = stack.pulsar_admin.get(f"{ns}/retention").json()
    assert retention == {"retentionTimeInMinutes": -1, "retentionSizeInMB": -1}
    assert stack.pulsar_admin.get(f"{ns}/deduplication").json() is True
    ingested = f"{stack.pulsar_namespace}/data-ingested"
    assert pulsar_check(stack.pulsar_admin, ingested)() == "topic data-ingested served"
