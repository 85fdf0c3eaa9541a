"""PostgreSQL stopped and started while records stream in: retried, never reported as failed data."""

from __future__ import annotations

import pulsar
from prometheus_client import REGISTRY
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from contracts import DataProcessed, dead_letter_topic, decode
from eventkit.postgres.schema import events, inbox, outbox
from tests.helpers import read_all, wait_until
from tests.integration.processing.conftest import Processing, publish, running
from tests.stack_control import stopped
from tests.unit.processing.support import ingested


def _handled(processing: Processing) -> int:
    """Returns how many events are handled, or -1 while the database does not answer yet."""
    try:
        with processing.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(inbox)).scalar_one())
    except SQLAlchemyError:
        return -1


def _failed_tries(processing: Processing) -> float:
    labels = {"topic": processing.in_topic, "subscription": processing.subscription, "outcome": "failed"}
    return REGISTRY.get_sample_value("events_consumed_total", labels) or 0.0


def test_postgres_restarted_mid_stream_delays_records_but_fails_none(
    client: pulsar.Client, processing: Processing
) -> None:
    records = [ingested({"name": f"R{n}", "age": n}) for n in range(40)]
    # Enough redeliveries to outlast the restart: a store outage must not dead-letter good records.
    consumer = processing.consumer(client, max_redeliveries=100)
    with running(consumer.run):
        publish(client, processing.in_topic, list(records[:20]))
        wait_until(lambda: _handled(processing) >= 5, what="some records processed")
        with stopped("stores:postgres"):
            publish(client, processing.in_topic, list(records[20:]))
            wait_until(lambda: _failed_tries(processing) > 0, what="handling to fail without PostgreSQL")
        wait_until(lambda: _handled(processing) == len(records), timeout_s=120, what="every record processed")
    with processing.engine.connect() as connection:
        step_types = connection.execute(select(events.c.event_type)).scalars().all()
        payloads = connection.execute(select(outbox.c.payload)).scalars().all()
    assert len(step_types) == 4 * len(records) and set(step_types) == {"StepSucceeded"}
    statuses = [d.status for d in (decode(p).data for p in payloads) if isinstance(d, DataProcessed)]
    assert statuses == ["processed"] * len(records)
    assert read_all(client, dead_letter_topic(processing.in_topic, processing.subscription)) == []
