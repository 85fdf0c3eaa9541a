"""Threads applying the same events in different orders on the real server converge on the in-order view."""

from __future__ import annotations

import random
import threading
import uuid
from typing import Any

from pymongo.database import Database

from query_svc.adapters.memory import InMemoryRecordViews, InMemoryTimeline
from query_svc.adapters.mongo.checkpoints import CHECKPOINTS, MongoCheckpoints, read_checkpoints
from query_svc.adapters.mongo.records import RECORDS, MongoRecordViews
from query_svc.adapters.mongo.timeline import TIMELINE, MongoTimeline
from query_svc.application.projector import Projector
from query_svc.domain.timeline import distinct
from tests.unit.query.events import entry, lifecycle

RECORDS_N = 8
THREADS = 3


def _in_order(events: list[Any], data_id: str) -> dict[str, Any]:
    views = InMemoryRecordViews()
    projector = Projector(InMemoryTimeline(), views)
    for event in events:
        projector.apply(data_id, entry(event))
    return views.documents[data_id]


def test_concurrent_shuffled_duplicated_deliveries_converge(database: Database[dict[str, Any]]) -> None:
    events = {data_id: lifecycle(data_id) for data_id in (str(uuid.uuid4()) for _ in range(RECORDS_N))}
    everything = [(data_id, e) for data_id, evs in events.items() for e in evs]
    timeline = MongoTimeline(database[TIMELINE])
    projector = Projector(timeline, MongoRecordViews(database[RECORDS]))
    errors: list[BaseException] = []

    def deliver(seed: int) -> None:
        checkpoints = MongoCheckpoints(database[CHECKPOINTS], f"thread-{seed}")
        order = list(everything) * 2  # every event twice per thread
        random.Random(seed).shuffle(order)
        try:
            for data_id, event in order:
                projector.apply(data_id, entry(event))
                checkpoints.advance(f"topic-{event.event_type}", event.event_id, event.occurred_at)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=deliver, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert not any(thread.is_alive() for thread in threads)

    for data_id, evs in events.items():
        assert database[RECORDS].find_one({"_id": data_id}) == _in_order(evs, data_id)
        assert len(distinct(timeline.read(data_id))) == len(evs)

    checkpoints = read_checkpoints(database[CHECKPOINTS])
    assert set(checkpoints) == {"topic-DataIngested", "topic-DataValidated", "topic-DataProcessed"}
    assert checkpoints["topic-DataIngested"]["handled"] == RECORDS_N * 2 * 2 * THREADS
    assert checkpoints["topic-DataIngested"]["consumers"] == THREADS
