"""Redis stopped and started while records stream in: nothing acknowledged is lost, nothing doubled."""

from __future__ import annotations

import pulsar
from prometheus_client import REGISTRY

from tests.helpers import wait_until
from tests.integration.validation.conftest import Setup, running
from tests.stack_control import stopped
from tests.unit.validation.events import ingested


def test_redis_restarted_mid_stream_loses_nothing(setup: Setup, client: pulsar.Client) -> None:
    events = [ingested({"name": f"r{i}"}) for i in range(40)]
    # Enough redeliveries to outlast the restart: a store outage must not dead-letter good records.
    consumer = setup.consumer(client, "c1", max_redeliveries=100)
    with running(consumer.run, "consumer"):
        setup.publish_ingested(client, list(events[:20]))
        wait_until(lambda: _outbox_size(setup) >= 5, what="some records validated")
        with stopped("stores:redis"):
            setup.publish_ingested(client, list(events[20:]))
            wait_until(
                lambda: _failed(setup, consumer.subscription) > 0, what="handling to fail without Redis"
            )
        wait_until(lambda: _outbox_size(setup) == len(events), timeout_s=60, what="every record validated")
    for event in events:
        types = [r.entry.type for r in setup.log.record_log(event.data_id)]
        assert types == ["ValidationStarted", "ValidationCompleted"], event.data_id
    assert setup.redis.config_get("appendonly") == {"appendonly": "yes"}


def _outbox_size(setup: Setup) -> int:
    return int(setup.redis.xlen(setup.keys.outbox))


def _failed(setup: Setup, subscription: str) -> float:
    labels = {"topic": setup.ingested_topic, "subscription": subscription, "outcome": "failed"}
    return REGISTRY.get_sample_value("events_consumed_total", labels) or 0.0
