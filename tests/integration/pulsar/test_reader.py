"""replay against the real broker: history from the earliest message, resuming, poison, following."""

from __future__ import annotations

import threading
import uuid

import pulsar
import pytest

from contracts import IntegrationEvent
from eventkit.pulsar.consumer import EventConsumer
from eventkit.pulsar.publisher import PulsarPublisher
from eventkit.pulsar.reader import ReplayResult, replay
from tests.helpers import wait_until
from tests.integration.pulsar.conftest import TopicFactory, ingested, outbound, running


def _publish(
    client: pulsar.Client, topic: str, events: list[IntegrationEvent], first_sequence: int = 1
) -> None:
    publisher = PulsarPublisher(client, "replay-relay")
    try:
        publisher.publish([outbound(topic, event, first_sequence + n) for n, event in enumerate(events)])
    finally:
        publisher.close()


def _collect(
    client: pulsar.Client, topic: str, resume_from: str | None = None
) -> tuple[list[tuple[str, str]], ReplayResult]:
    seen: list[tuple[str, str]] = []
    result = replay(
        client, topic, lambda e, position: seen.append((e.event_id, position)), resume_from=resume_from
    )
    return seen, result


def test_replay_reads_every_event_from_the_earliest_even_after_a_subscription_acked_them(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("replay-history")
    events = [ingested(str(uuid.uuid4()), 1) for _ in range(5)]
    _publish(client, topic, events)
    acked: list[str] = []
    with running(EventConsumer(client, topic, "views", lambda e: acked.append(e.event_id))):
        wait_until(lambda: len(acked) == 5, what="the subscription to ack everything")

    seen, result = _collect(client, topic)

    assert [event_id for event_id, _ in seen] == [e.event_id for e in events]
    assert len({position for _, position in seen}) == 5
    assert result == ReplayResult(count=5, skipped=0, last_position=seen[-1][1])


def test_resume_from_continues_after_the_given_position(
    client: pulsar.Client, new_topic: TopicFactory
) -> None:
    topic = new_topic("replay-resume")
    events = [ingested() for _ in range(5)]
    _publish(client, topic, events)
    seen, _ = _collect(client, topic)

    rest, result = _collect(client, topic, resume_from=seen[2][1])
    caught_up, nothing = _collect(client, topic, resume_from=result.last_position)

    assert rest == seen[3:]
    assert result == ReplayResult(count=2, skipped=0, last_position=seen[-1][1])
    assert caught_up == []
    assert nothing == ReplayResult(count=0, skipped=0, last_position=seen[-1][1])


def test_replay_passes_over_undecodable_messages(client: pulsar.Client, new_topic: TopicFactory) -> None:
    topic = new_topic("replay-poison")
    before, after = ingested(), ingested()
    _publish(client, topic, [before])
    producer = client.create_producer(topic)
    producer.send(b"not an event", partition_key="poison")
    producer.close()
    _publish(client, topic, [after], first_sequence=2)

    seen, result = _collect(client, topic)

    assert [event_id for event_id, _ in seen] == [before.event_id, after.event_id]
    assert (result.count, result.skipped) == (2, 1)


def test_an_empty_topic_replays_nothing(client: pulsar.Client, new_topic: TopicFactory) -> None:
    assert _collect(client, new_topic("replay-empty")) == ([], ReplayResult(0, 0, None))


def test_replay_can_follow_new_events_until_stopped(client: pulsar.Client, new_topic: TopicFactory) -> None:
    topic = new_topic("replay-follow")
    first, later = ingested(), ingested()
    _publish(client, topic, [first])
    seen: list[str] = []
    results: list[ReplayResult] = []
    stop = threading.Event()

    def follow() -> None:
        handler = lambda e, _position: seen.append(e.event_id)  # noqa: E731
        results.append(replay(client, topic, handler, until_latest=False, stop=stop, read_timeout_ms=200))

    follower = threading.Thread(target=follow)
    follower.start()
    try:
        wait_until(lambda: seen == [first.event_id], what="the existing event")
        _publish(client, topic, [later], first_sequence=2)
        wait_until(lambda: seen == [first.event_id, later.event_id], what="the new event")
    finally:
        stop.set()
        follower.join(10)

    assert not follower.is_alive()
    assert results[0].count == 2


def test_following_without_a_stop_event_is_refused(client: pulsar.Client, new_topic: TopicFactory) -> None:
    with pytest.raises(ValueError, match="stop event"):
        replay(client, new_topic("replay-refused"), lambda e, p: None, until_latest=False)


def test_a_malformed_position_is_refused(client: pulsar.Client, new_topic: TopicFactory) -> None:
    with pytest.raises(ValueError, match="not a message position"):
        replay(client, new_topic("replay-bad-position"), lambda e, p: None, resume_from="not-a-position")
