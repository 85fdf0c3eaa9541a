"""The validation consumer on the real broker and Redis: idempotent, ordered, poison dead-lettered."""

from __future__ import annotations

import pulsar

from contracts import dead_letter_topic
from tests.helpers import read_all, wait_until
from tests.integration.pulsar.conftest import connected_consumers
from tests.integration.validation.conftest import Setup, running
from tests.unit.validation.events import ingested


def _completed(setup: Setup, data_id: str) -> list[int]:
    return [
        r.entry.record_version for r in setup.log.record_log(data_id) if r.entry.type == "ValidationCompleted"
    ]


def _outbox_size(setup: Setup) -> int:
    return int(setup.redis.xlen(setup.keys.outbox))


def test_the_same_data_ingested_twice_gives_one_set_of_entries_and_one_data_validated(
    setup: Setup, client: pulsar.Client
) -> None:
    event, marker = ingested({"age": 500}), ingested()
    setup.publish_ingested(client, [event, event, marker])
    with running(setup.consumer(client, "c1").run, "consumer"):
        wait_until(lambda: _completed(setup, marker.data_id) == [1], what="the marker record validated")
    types = [r.entry.type for r in setup.log.record_log(event.data_id)]
    assert types == ["ValidationStarted", "RuleFailed", "RuleFailed", "ValidationCompleted"]
    assert _outbox_size(setup) == 2
    assert int(setup.redis.xlen(setup.keys.log)) == 4 + 2


def test_a_poison_message_is_dead_lettered_and_later_records_are_validated(
    setup: Setup, client: pulsar.Client
) -> None:
    before, after = ingested(), ingested()
    setup.publish_ingested(client, [before, b"\xff not an event", b'{"event_type": "DataIngested"}', after])
    consumer = setup.consumer(client, "c1", max_redeliveries=2)
    dlq = dead_letter_topic(setup.ingested_topic, consumer.subscription)
    with running(consumer.run, "consumer"):
        wait_until(lambda: _completed(setup, after.data_id) == [1], what="the record after the poison")
        wait_until(lambda: len(read_all(client, dlq)) == 2, timeout_s=30, what="two dead letters")
    assert _completed(setup, before.data_id) == [1]
    assert sorted(m.data() for m in read_all(client, dlq)) == [
        b'{"event_type": "DataIngested"}',
        b"\xff not an event",
    ]


def test_two_consumers_validate_every_version_once_in_order(setup: Setup, client: pulsar.Client) -> None:
    first = [ingested({"name": f"r{i}"}) for i in range(15)]
    events = [
        ingested({"name": "" if v % 2 else f"r{i}"}, data_id=e.data_id, version=v)
        for v in (1, 2, 3)
        for i, e in enumerate(first)
    ]
    seen: dict[str, list[str]] = {"c1": [], "c2": []}
    c1, c2 = (setup.consumer(client, name, on_event=seen[name].append) for name in ("c1", "c2"))
    with running(c1.run, "c1"), running(c2.run, "c2"):
        subscription = c1.subscription
        wait_until(lambda: connected_consumers(setup.stack, setup.ingested_topic, subscription) == 2)
        setup.publish_ingested(client, list(events))
        wait_until(lambda: _outbox_size(setup) == len(events), timeout_s=60, what="every version validated")
    for record in first:
        assert _completed(setup, record.data_id) == [1, 2, 3]
        log = setup.log.record_log(record.data_id)
        verdicts = [r.entry.detail["is_valid"] for r in log if r.entry.type == "ValidationCompleted"]
        assert verdicts == [False, True, False]
    assert all(seen.values()), f"both consumers should have had keys: {seen}"
    assert not set(seen["c1"]) & set(seen["c2"]), "Key_Shared gives each record to one consumer"
