"""Redis stopped and started while records stream in: nothing acknowledged is lost, nothing doubled."""

from __future__ import annotations

import pulsar
from prometheus_client import REGISTRY

from tests.helpers import read_all, wait_until
from tests.integration.validation.conftest import Setup, running
from tests.stack_control import stopped
from tests.unit.validation.events import ingested


def test_redis_restarted_mid_stream_loses_nothing_and_dead_letters_nothing(
    setup: Setup, client: pulsar.Client
) -> None:
    events = [ingested({"name": f"r{i}"}) for i in range(40)]
    consumer = setup.consumer(client, "c1")  # 3 redeliveries 200 ms apart: ~1 s of tolerance by itself
    with running(consumer.run, "consumer"):
        setup.publish_ingested(client, list(events[:20]))
        wait_until(lambda: _outbox_size(setup) >= 5, what="some records validated")
        retries_before = _store_retries()
        with stopped("stores:redis"):
            setup.publish_ingested(client, list(events[20:]))
            # Keep Redis down well past what the redeliveries alone would survive.
            wait_until(
                lambda: _store_retries() >= retries_before + 8, what="writes retried while Redis is down"
            )
        wait_until(lambda: _outbox_size(setup) == len(events), timeout_s=60, what="every record validated")
    for event in events:
        types = [r.entry.type for r in setup.log.record_log(event.data_id)]
        assert types == ["ValidationStarted", "ValidationCompleted"], event.data_id
    assert read_all(client, consumer.dead_letter_topic) == [], "a store outage dead-lettered good records"
    assert setup.redis.config_get("appendonly") == {"appendonly": "yes"}


def _store_retries() -> float:
    return REGISTRY.get_sample_value("validation_store_retries_total") or 0.0


def _outbox_size(setup: Setup) -> int:
    return int(setup.redis.xlen(setup.keys.outbox))
