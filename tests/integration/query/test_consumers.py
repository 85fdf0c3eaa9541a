"""The projector's consumers on the real broker: shuffled, duplicated events across three topics converge."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pulsar
import pytest
from pymongo.database import Database

from contracts import encode
from eventkit.pulsar.workers import run_consumers
from query_svc.adapters.mongo.checkpoints import CHECKPOINTS, read_checkpoints
from query_svc.adapters.mongo.records import RECORDS, MongoRecordViews
from query_svc.adapters.mongo.timeline import TIMELINE, MongoTimeline
from query_svc.adapters.pulsar.consumers import projector_consumers
from query_svc.application.projector import Projector
from query_svc.bootstrap import Query
from tests.helpers import delete_topics, wait_until
from tests.stack import StackEndpoints
from tests.unit.query.events import lifecycle

RECORDS_N = 5


@pytest.fixture
def topics(stack: StackEndpoints) -> Iterator[dict[str, str]]:
    tag = uuid.uuid4().hex[:10]
    shorts = {kind: f"query-test-{tag}-{kind}" for kind in ("DataIngested", "DataValidated", "DataProcessed")}
    yield {kind: f"{stack.pulsar_namespace}/{short}" for kind, short in shorts.items()}
    delete_topics(stack.pulsar_admin, stack.pulsar_namespace, tag)


def _publish(client: pulsar.Client, topics: dict[str, str], events: list[Any]) -> None:
    producers = {kind: client.create_producer(topic) for kind, topic in topics.items()}
    try:
        for event in events:
            producers[event.event_type].send(encode(event), partition_key=event.data_id)
    finally:
        for producer in producers.values():
            producer.close()


def test_two_consumer_processes_worth_of_loops_project_every_record(
    stack: StackEndpoints, query: Query, database: Database[dict[str, Any]], topics: dict[str, str]
) -> None:
    events = [e for _ in range(RECORDS_N) for e in lifecycle(str(uuid.uuid4()))]
    delivered = events + random.Random(7).sample(events, 10)  # some events twice
    random.Random(3).shuffle(delivered)
    client = stack.pulsar_client(operation_timeout_s=15)
    stop = threading.Event()
    # Two copies side by side, each with its own projector (cache and locks), as two `consume` processes
    # would run: Key_Shared splits the keys per topic, so both may write the same record.
    copies = [
        projector_consumers(
            client, _own_projector(database), query.checkpoints_for(f"copy-{n}"), list(topics.values())
        )
        for n in range(2)
    ]
    threads = [threading.Thread(target=run_consumers, args=(c, stop)) for c in copies]
    try:
        for thread in threads:
            thread.start()
        _publish(client, topics, delivered)
        ids = {e.data_id for e in events}

        def settled() -> bool:
            complete = {"_id": {"$in": sorted(ids)}, "status": "complete", "version": 2}
            handled = sum(c["handled"] for c in read_checkpoints(database[CHECKPOINTS]).values())
            return database[RECORDS].count_documents(complete) == RECORDS_N and handled == len(delivered)

        wait_until(
            settled, timeout_s=60, what="every delivery handled and every record complete at version 2"
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        client.close()
    assert not any(thread.is_alive() for thread in threads)
    assert sum(len(MongoTimeline(database[TIMELINE]).read(data_id)) for data_id in ids) == len(events)
    assert set(read_checkpoints(database[CHECKPOINTS])) == set(topics.values())


def _own_projector(database: Database[dict[str, Any]]) -> Projector:
    return Projector(MongoTimeline(database[TIMELINE]), MongoRecordViews(database[RECORDS]))
