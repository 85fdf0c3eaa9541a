"""The timeline and views ports: the in-memory fakes and the MongoDB adapters pass the same suite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from query_svc.adapters.memory import InMemoryRecordViews, InMemoryTimeline
from query_svc.adapters.mongo.connection import make_mongo
from query_svc.adapters.mongo.indexes import ensure_indexes
from query_svc.adapters.mongo.records import RECORDS, MongoRecordViews
from query_svc.adapters.mongo.timeline import TIMELINE, MongoTimeline
from query_svc.application.ports import RecordViews, Timeline
from tests.stack import StackEndpoints
from tests.unit.query.events import entry, lifecycle

Stores = tuple[Timeline, RecordViews, Any]


@pytest.fixture(params=["memory", "mongo"])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    if request.param == "memory":
        views = InMemoryRecordViews()
        yield InMemoryTimeline(), views, views.documents.get
        return
    stack: StackEndpoints = request.getfixturevalue("stack")
    client = make_mongo(stack.mongo_url)
    name = f"test_query_{uuid.uuid4().hex[:12]}"
    try:
        database = client[name]
        ensure_indexes(database)
        yield (
            MongoTimeline(database[TIMELINE]),
            MongoRecordViews(database[RECORDS]),
            lambda data_id: database[RECORDS].find_one({"_id": data_id}),
        )
    finally:
        client.drop_database(name)
        client.close()


def test_the_timeline_keeps_each_event_once_in_history_order(stores: Stores) -> None:
    timeline, _, _ = stores
    data_id = str(uuid.uuid4())
    events = lifecycle(data_id)
    for event in reversed(events):
        assert timeline.add(data_id, entry(event)) is True
    assert timeline.add(data_id, entry(events[0])) is False
    assert [e.event_id for e in timeline.entries(data_id)] == [e.event_id for e in events]
    assert timeline.entries(str(uuid.uuid4())) == ()
    assert timeline.entries(data_id)[3].data["payload"] == {"name": "Ada", "age": 30}


def test_a_view_folded_from_fewer_events_never_replaces_a_fuller_one(stores: Stores) -> None:
    _, views, read = stores
    data_id = str(uuid.uuid4())
    views.save(data_id, {"version": 1, "status": "received"}, 1)
    views.save(data_id, {"version": 2, "status": "complete"}, 3)
    views.save(data_id, {"version": 1, "status": "validated"}, 2)
    assert read(data_id) == {"_id": data_id, "version": 2, "status": "complete", "_applied": 3}
    views.save(data_id, {"version": 2, "status": "complete", "payload": {"a": 1}}, 3)
    assert read(data_id)["payload"] == {"a": 1}
