"""EventConsumer against the real broker: ack after handling, retries, dead letters, per-key order, stop."""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pulsar
import pytest
from prometheus_client import REGISTRY

from contracts import IntegrationEvent, dead_letter_topic, encode
from contracts.wire import parse_rfc3339
from eventkit.correlation import current_correlation_id
from eventkit.pulsar import dead_letters
from eventkit.pulsar.consumer import EventConsumer
from eventkit.pulsar.delivery import Delivery
from eventkit.pulsar.publisher import PulsarPublisher
from eventkit.pulsar.workers import run_consumers
from tests.helpers import read_all, wait_until
from tests.integration.pulsar.conftest import TopicFactory, connected_consumers, ingested, outbound, running
from tests.stack import StackEndpoints


def _consumer(
    client: pulsar.Client,
    topic: str,
    subscription: str,
    handler: Callable[[IntegrationEvent], None],
    *,
    max_redeliveries: int = 5,
    consumer_name: str | None = None,
) -> EventConsumer:
    """Builds a consumer with short nack and receive timeouts, so retries and stops are quick."""
    return EventConsumer(
        client,
        topic,
        subscription,
        handler,
        delivery=Delivery(max_redeliveries=max_redeliveries, nack_delay_ms=200),
        receive_timeout_ms=200,
        consumer_name=consumer_name,
    )


def _publish(client: pulsar.Client, topic: str, events: list[IntegrationEvent]) -> None:
    publisher = PulsarPublisher(client, f"test-{uuid.uuid4().hex[:8]}")
    try:
        publisher.publish([outbound(topic, event, n + 1) for n, event in enumerate(events)])
    finally:
        publisher.close()


def _consumed(topic: str, subscription: str, outcome: str) -> float:
    labels = {"topic": topic, "subscription": subscription, "outcome": outcome}
    return REGISTRY.get_sample_value("events_consumed_total", labels) or 0.0


def _receives_nothing(client: pulsar.Client, topic: str, subscription: str) -> bool:
    consumer = client.subscribe(topic, subscription, consumer_type=pulsar.ConsumerType.KeyShared)
    try:
        consumer.receive(timeout_millis=1500)
    except pulsar.Timeout:
        return True
    finally:
        consumer.close()
    return False


def test_each_event_is_handled_once_under_its_correlation_id_and_acknowledged(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("consume-once")
    events = [ingested(correlation_id=f"corr-{n}") for n in range(10)]
    seen: list[tuple[str, str | None]] = []
    _publish(client, topic, events)

    consumer = _consumer(
        client, topic, "views", lambda e: seen.append((e.event_id, current_correlation_id()))
    )
    with running(consumer):
        wait_until(lambda: len(seen) == 10, what="ten events handled")

    assert sorted(seen) == sorted((e.event_id, e.correlation_id) for e in events)
    assert _receives_nothing(client, topic, "views")
    assert _consumed(topic, "views", "handled") == 10


def test_a_handler_that_fails_twice_is_retried_and_its_effect_happens_once(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("consume-retry")
    event = ingested()
    attempts: list[float] = []
    effects: list[str] = []

    def flaky(received: IntegrationEvent) -> None:
        attempts.append(time.monotonic())
        if len(attempts) <= 2:
            raise RuntimeError("store briefly unavailable")
        effects.append(received.event_id)

    _publish(client, topic, [event])
    with running(_consumer(client, topic, "flaky", flaky)):
        wait_until(lambda: effects == [event.event_id], what="the third attempt to succeed")
        time.sleep(1.0)  # a redelivery would show up within a few nack delays

    assert effects == [event.event_id]
    assert len(attempts) == 3
    assert min(b - a for a, b in itertools.pairwise(attempts)) >= 0.15  # the nack delay
    assert _consumed(topic, "flaky", "failed") == 2
    assert _receives_nothing(client, topic, "flaky")


def test_a_message_that_always_fails_is_dead_lettered_without_blocking_the_others(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("consume-dlq")
    doomed = ingested(version=1)
    same_key_next = ingested(doomed.data_id, version=2)
    other_key = ingested()
    attempts: Counter[str] = Counter()
    handled: list[str] = []

    def handler(event: IntegrationEvent) -> None:
        attempts[event.event_id] += 1
        if event.event_id == doomed.event_id:
            raise ValueError("this record can never be applied")
        handled.append(event.event_id)

    _publish(client, topic, [doomed, same_key_next, other_key])
    consumer = _consumer(client, topic, "strict", handler, max_redeliveries=2)
    with running(consumer):
        wait_until(lambda: len(read_all(client, consumer.dead_letter_topic)) == 1, what="a dead letter")
        wait_until(lambda: len(handled) == 2, what="the other events handled")

    assert consumer.dead_letter_topic == dead_letter_topic(topic, "strict") == f"{topic}-strict-DLQ"
    [dead] = read_all(client, consumer.dead_letter_topic)
    assert dead.data() == encode(doomed)
    assert dead.partition_key() == doomed.data_id
    assert dead.properties()["event_type"] == "DataIngested"
    assert dead.properties()["REAL_TOPIC"] == topic
    assert attempts[doomed.event_id] == 3  # the first delivery and two redeliveries
    assert sorted(handled) == sorted([same_key_next.event_id, other_key.event_id])
    assert _receives_nothing(client, topic, "strict")


def test_an_undecodable_message_is_logged_and_dead_lettered(
    client: pulsar.Client, new_topic: TopicFactory, caplog: pytest.LogCaptureFixture
) -> None:
    topic = new_topic("consume-poison")
    producer = client.create_producer(topic)
    producer.send(b'{"event_type": "DataIngested"', partition_key="poison")
    producer.close()
    good = ingested()
    _publish(client, topic, [good])
    handled: list[str] = []

    caplog.set_level(logging.ERROR, logger="eventkit.pulsar.consumer")
    consumer = _consumer(client, topic, "views", lambda e: handled.append(e.event_id), max_redeliveries=1)
    with running(consumer):
        wait_until(lambda: len(read_all(client, consumer.dead_letter_topic)) == 1, what="a dead letter")
        wait_until(lambda: handled == [good.event_id], what="the good event handled")

    [dead] = read_all(client, consumer.dead_letter_topic)
    assert dead.data() == b'{"event_type": "DataIngested"'
    assert _consumed(topic, "views", "poison") == 2
    poison_logs = [r for r in caplog.records if r.getMessage().startswith("undecodable message")]
    assert poison_logs and all(r.levelno == logging.ERROR for r in poison_logs)
    assert "Not valid JSON" in poison_logs[0].getMessage()
    assert {r.__dict__["redelivery_count"] for r in poison_logs} == {0, 1}


def test_each_record_keeps_its_order_across_two_consumers_of_one_subscription(
    stack: StackEndpoints, client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("consume-order")
    records = [str(uuid.uuid4()) for _ in range(20)]
    events = [ingested(record, version) for version in range(1, 6) for record in records]
    lock = threading.Lock()
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)

    def recorder(name: str) -> EventConsumer:
        def handle(event: IntegrationEvent) -> None:
            with lock:
                seen[event.data_id].append((name, event.record_version))

        return _consumer(client, topic, "scaled", handle, consumer_name=name)

    with running(recorder("copy-a")), running(recorder("copy-b")):
        wait_until(lambda: connected_consumers(stack, topic, "scaled") == 2, what="both consumers")
        _publish(client, topic, events)
        wait_until(lambda: sum(len(v) for v in seen.values()) == len(events), what="every event handled")

    versions = {record: [version for _, version in seen[record]] for record in records}
    assert versions == {record: [1, 2, 3, 4, 5] for record in records}
    owners = {record: {name for name, _ in seen[record]} for record in records}
    assert all(len(names) == 1 for names in owners.values())
    assert set().union(*owners.values()) == {"copy-a", "copy-b"}


def test_stop_lets_the_handler_in_hand_finish_then_returns_promptly(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("consume-stop")
    started, release = threading.Event(), threading.Event()
    finished: list[str] = []

    def slow(event: IntegrationEvent) -> None:
        started.set()
        release.wait(10)
        finished.append(event.event_id)

    event = ingested()
    _publish(client, topic, [event])
    consumer = EventConsumer(client, topic, "slow", slow, receive_timeout_ms=200)
    thread = threading.Thread(target=consumer.run)
    thread.start()
    try:
        assert started.wait(15), "the handler never started"
        consumer.stop()
        thread.join(0.5)
        assert thread.is_alive(), "the loop must not abandon the handler in hand"
        release.set()
        stop_requested = time.monotonic()
        thread.join(5)
    finally:
        release.set()
        consumer.stop()
        thread.join(10)

    assert not thread.is_alive()
    assert time.monotonic() - stop_requested < 2
    assert finished == [event.event_id]
    assert _receives_nothing(client, topic, "slow")


def test_run_consumers_serves_every_topic_until_the_stop_event(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topics = [new_topic("consume-many-a"), new_topic("consume-many-b")]
    handled: list[tuple[str, str]] = []
    lock = threading.Lock()
    events = {topic: ingested() for topic in topics}
    for topic, event in events.items():
        _publish(client, topic, [event])

    def handler_for(topic: str) -> EventConsumer:
        def handle(event: IntegrationEvent) -> None:
            with lock:
                handled.append((topic, event.event_id))

        return _consumer(client, topic, "all", handle)

    consumers = [handler_for(topic) for topic in topics]
    stop = threading.Event()
    runner = threading.Thread(target=run_consumers, args=(consumers, stop))
    runner.start()
    try:
        wait_until(lambda: len(handled) == 2, what="one event from each topic")
    finally:
        stop.set()
        runner.join(10)

    assert not runner.is_alive()
    assert sorted(handled) == sorted((topic, event.event_id) for topic, event in events.items())
    assert [c.dead_letter_topic for c in consumers] == [f"{t}-all-DLQ" for t in topics]


def test_a_dead_letter_says_why_where_from_and_when_it_was_given_up_on(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("consume-reason")
    doomed = ingested()

    def handler(event: IntegrationEvent) -> None:
        raise LookupError(f"no rules for partner of {event.data_id}")

    _publish(client, topic, [doomed])
    before = datetime.now(UTC)
    consumer = _consumer(client, topic, "reasons", handler, max_redeliveries=1)
    with running(consumer):
        wait_until(lambda: len(read_all(client, consumer.dead_letter_topic)) == 1, what="a dead letter")

    assert _receives_nothing(client, topic, "reasons")
    [dead] = read_all(client, consumer.dead_letter_topic)
    properties = dead.properties()
    assert properties[dead_letters.REASON] == f"LookupError: no rules for partner of {doomed.data_id}"
    assert properties[dead_letters.ERROR_TYPE] == "LookupError"
    assert properties[dead_letters.SUBSCRIPTION] == "reasons"
    assert properties[dead_letters.ORIGINAL_TOPIC] == topic
    assert properties[dead_letters.REDELIVERY_COUNT] == "1"
    dead_lettered_at = parse_rfc3339(properties[dead_letters.DEAD_LETTERED_AT])
    assert dead_lettered_at is not None and before <= dead_lettered_at <= datetime.now(UTC)
    [original] = read_all(client, topic)
    assert properties[dead_letters.ORIGIN_MESSAGE_ID] == str(original.message_id())
    assert dead_letters.original_properties(properties) == original.properties()
    assert dead.data() == original.data() and dead.partition_key() == doomed.data_id
    assert _consumed_dead_letters(topic, "reasons") == 1


def test_writing_the_same_dead_letter_again_after_a_crash_leaves_one_letter(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    """The consumer acknowledges only after the letter is confirmed; a process killed in between gets the
    message back and writes its letter again, which the broker drops by producer name and sequence id."""
    topic = new_topic("consume-dlq-once")
    _publish(client, topic, [ingested(), ingested()])
    first, second = read_all(client, topic)
    writer = dead_letters.DeadLetterWriter(client, dead_letter_topic(topic, "once"))
    failure = dead_letters.Failure("RuntimeError", "view store down")

    for message in (first, first, second, first):
        writer.write(message, dead_letters.dead_letter_properties(message, topic, "once", failure))

    letters = read_all(client, writer.topic)
    assert [letter.properties()[dead_letters.ORIGIN_MESSAGE_ID] for letter in letters] == [
        str(first.message_id()),
        str(second.message_id()),
    ]


def _consumed_dead_letters(topic: str, subscription: str) -> float:
    labels = {"topic": topic, "subscription": subscription}
    return REGISTRY.get_sample_value("events_dead_lettered_total", labels) or 0.0


def test_a_batch_handler_gets_events_together_and_a_failed_batch_falls_back_to_one_by_one(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("consume-batch")
    doomed = ingested()
    events = [ingested() for _ in range(40)] + [doomed]
    batches: list[int] = []
    singles: list[str] = []

    def batch(received: Sequence[IntegrationEvent]) -> None:
        if any(e.event_id == doomed.event_id for e in received):
            raise ValueError("one event in this batch cannot be applied")
        batches.append(len(received))

    def single(received: IntegrationEvent) -> None:
        if received.event_id == doomed.event_id:
            raise ValueError("still cannot be applied")
        singles.append(received.event_id)

    _publish(client, topic, events)
    consumer = EventConsumer(
        client,
        topic,
        "bulk",
        single,
        delivery=Delivery(batch=16, batch_wait_ms=50, max_redeliveries=1, nack_delay_ms=200),
        receive_timeout_ms=200,
        batch_handler=batch,
    )
    with running(consumer):
        wait_until(
            lambda: len(read_all(client, consumer.dead_letter_topic)) == 1,
            what="the doomed event dead-lettered",
        )
        wait_until(lambda: sum(batches) + len(singles) == 40, what="every other event handled")

    assert max(batches) > 1 and max(batches) <= 16
    assert len(set(singles)) == len(singles)  # the fallback handled each survivor of a failed batch once
    assert _consumed(topic, "bulk", "handled") == 40
    assert _receives_nothing(client, topic, "bulk")


def test_a_batch_size_above_one_needs_a_batch_handler(client: pulsar.Client) -> None:
    with pytest.raises(ValueError, match="batch_handler"):
        EventConsumer(
            client, "persistent://public/default/x", "s", lambda e: None, delivery=Delivery(batch=8)
        )


def test_when_a_batch_and_its_first_message_fail_alike_the_rest_are_not_tried_one_by_one(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("consume-batch-outage")
    events = [ingested() for _ in range(10)]
    singles: list[str] = []

    def batch(received: Sequence[IntegrationEvent]) -> None:
        raise ConnectionError("the store is down")

    def single(received: IntegrationEvent) -> None:
        singles.append(received.event_id)
        raise ConnectionError("the store is down")

    _publish(client, topic, events)
    consumer = EventConsumer(
        client,
        topic,
        "outage",
        single,
        delivery=Delivery(batch=16, batch_wait_ms=300, max_redeliveries=1, nack_delay_ms=200),
        receive_timeout_ms=200,
        batch_handler=batch,
        outage_errors=(ConnectionError,),
    )
    with running(consumer):
        wait_until(
            lambda: len(read_all(client, consumer.dead_letter_topic)) == 10, what="all ten dead-lettered"
        )

    assert len(singles) < 10  # each round tried one message alone, not all ten
    assert {
        m.properties()["dead_letter_error_type"] for m in read_all(client, consumer.dead_letter_topic)
    } == {"ConnectionError"}
