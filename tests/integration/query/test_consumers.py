"""The projector's consumers on the real broker: shuffled, duplicated events across three topics converge."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import pulsar
import pytest
from pymongo.database import Database

from contracts import encode
from eventkit.pulsar.admin import topics_path
from eventkit.pulsar.delivery import Delivery
from eventkit.pulsar.workers import run_consumers
from eventkit.sealing.keys import NoKeyStore
from query_svc.adapters.mongo.checkpoints import CHECKPOINTS, read_checkpoints
from query_svc.adapters.mongo.records import RECORDS, MongoRecordViews
from query_svc.adapters.mongo.timeline import TIMELINE, MongoTimeline
from query_svc.adapters.pulsar.consumers import SUBSCRIPTION, projector_consumers
from query_svc.application.opening import EntryOpener
from query_svc.application.projector import Projector
from query_svc.bootstrap import Query
from query_svc.domain.timeline import TimelineEntry
from tests.helpers import delete_topics, wait_until
from tests.stack import StackEndpoints
from tests.unit.query.events import lifecycle

RECORDS_N = 5
DELIVERY = Delivery(batch=200)  # the service's default batch


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
            client,
            _own_projector(database),
            EntryOpener(NoKeyStore()),  # plain events need no key
            query.checkpoints_for(f"copy-{n}"),
            list(topics.values()),
            delivery=DELIVERY,
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


class _Owners:
    """An Applier that only records which copy applied each record's events, and which events came."""

    def __init__(
        self, copy: str, owners: dict[str, set[str]], applied: set[str], lock: threading.Lock
    ) -> None:
        self._copy, self._owners, self._applied, self._lock = copy, owners, applied, lock

    def apply(self, data_id: str, entry: TimelineEntry) -> bool:
        return bool(self.apply_many([entry]))

    def apply_many(self, entries: Sequence[TimelineEntry]) -> set[str]:
        with self._lock:
            for entry in entries:
                self._owners.setdefault(entry.data_id, set()).add(self._copy)
                self._applied.add(entry.event_id)
        return {entry.event_id for entry in entries}


def _owners_of_records(
    stack: StackEndpoints, query: Query, topics: dict[str, str], names: list[str | None]
) -> dict[str, set[str]]:
    """Runs one copy of the projector's consumers per name on the three topics and returns, per record,
    the copies that applied its events."""
    events = [e for _ in range(40) for e in lifecycle(str(uuid.uuid4()))]
    owners: dict[str, set[str]] = {}
    applied: set[str] = set()
    lock = threading.Lock()
    client = stack.pulsar_client(operation_timeout_s=15)
    stop = threading.Event()
    copies = [
        projector_consumers(
            client,
            _Owners(f"copy-{n}", owners, applied, lock),
            EntryOpener(NoKeyStore()),
            query.checkpoints_for(f"owners-{n}"),
            list(topics.values()),
            delivery=DELIVERY,
            consumer_name=name,
        )
        for n, name in enumerate(names)
    ]
    threads = [threading.Thread(target=run_consumers, args=(c, stop)) for c in copies]
    try:
        for thread in threads:
            thread.start()
        wait_until(lambda: _subscribed(stack, topics, len(names)), timeout_s=30, what="every copy subscribed")
        _publish(client, topics, events)

        wait_until(lambda: len(applied) == len(events), timeout_s=60, what="every event applied")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        client.close()
    return owners


def _subscribed(stack: StackEndpoints, topics: dict[str, str], consumers: int) -> bool:
    for topic in topics.values():
        response = stack.pulsar_admin.get(f"{topics_path(topic)}/stats")
        if response.status_code != 200:
            return False
        subscription = response.json().get("subscriptions", {}).get(SUBSCRIPTION.name, {})
        if len(subscription.get("consumers", [])) != consumers:
            return False
    return True


def test_copies_named_once_for_all_three_topics_each_own_whole_records(
    stack: StackEndpoints, query: Query, topics: dict[str, str]
) -> None:
    # The broker places a Key_Shared consumer on its hash ring by name: a process whose three consumers
    # share one name gets the same records on every topic, so no other copy writes their views.
    owners = _owners_of_records(stack, query, topics, ["query-copy-a", "query-copy-b"])
    assert len(owners) == 40
    assert all(len(copies) == 1 for copies in owners.values()), owners
    assert {copy for copies in owners.values() for copy in copies} == {"copy-0", "copy-1"}  # both worked


def test_copies_with_names_of_the_clients_choosing_split_records_between_them(
    stack: StackEndpoints, query: Query, topics: dict[str, str]
) -> None:
    # The control for the test above: its check does catch records split between copies.
    owners = _owners_of_records(stack, query, topics, [None, None])
    assert any(len(copies) == 2 for copies in owners.values())
