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


def test_each_timeline_slot_is_taken_once_and_read_in_slot_order(stores: Stores) -> None:
    timeline, _, _ = stores
    data_id = str(uuid.uuid4())
    events = lifecycle(data_id)
    for slot, event in enumerate(reversed(events)):
        assert timeline.append(data_id, slot, entry(event)) is True
    assert timeline.append(data_id, 0, entry(events[0])) is False
    assert [e.event_id for e in timeline.read(data_id)] == [e.event_id for e in reversed(events)]
    assert [e.event_id for e in timeline.read(data_id, 4)] == [events[1].event_id, events[0].event_id]
    assert timeline.read(data_id, len(events)) == ()
    assert timeline.read(str(uuid.uuid4())) == ()
    assert timeline.read(data_id)[2].data["payload"] == {"name": "Ada", "age": 30}


def test_reading_stops_at_the_first_empty_slot(stores: Stores) -> None:
    timeline, _, _ = stores
    data_id = str(uuid.uuid4())
    first, second, *_ = lifecycle(data_id)
    assert timeline.append(data_id, 0, entry(first))
    assert timeline.append(data_id, 2, entry(second))
    assert [e.event_id for e in timeline.read(data_id)] == [first.event_id]


def test_a_batch_of_slots_stores_the_free_ones_and_names_the_taken_ones(stores: Stores) -> None:
    timeline, _, _ = stores
    one, two = str(uuid.uuid4()), str(uuid.uuid4())
    a, b, c, *_ = lifecycle(one)
    d, *_ = lifecycle(two)
    assert timeline.append(one, 0, entry(a))
    assert timeline.append_many([(one, 0, entry(b)), (one, 1, entry(c)), (two, 0, entry(d))]) == {0}
    assert [e.event_id for e in timeline.read(one)] == [a.event_id, c.event_id]
    assert [e.event_id for e in timeline.read(two)] == [d.event_id]
    assert timeline.append_many([]) == set()


def test_taken_names_the_records_whose_given_slot_holds_an_entry(stores: Stores) -> None:
    timeline, _, _ = stores
    one, two, three = (str(uuid.uuid4()) for _ in range(3))
    a, b, *_ = lifecycle(one)
    c, *_ = lifecycle(two)
    assert timeline.append_many([(one, 0, entry(a)), (one, 1, entry(b)), (two, 0, entry(c))]) == set()
    assert timeline.taken([(one, 1), (two, 1), (three, 0)]) == {one}
    assert timeline.taken([(one, 2), (two, 0)]) == {two}
    assert timeline.taken([]) == set()
    many = [(str(uuid.uuid4()), 0) for _ in range(1200)] + [(one, 0)]  # past one query's list of keys
    assert timeline.taken(many) == {one}


def test_views_are_replaced_whole_one_by_one_or_in_bulk(stores: Stores) -> None:
    _, views, read = stores
    one, two = str(uuid.uuid4()), str(uuid.uuid4())
    views.save(one, {"version": 1, "status": "received", "payload": {"a": 1}}, 1)
    views.save_many([(one, {"version": 2, "status": "complete"}, 3), (two, {"version": 1, "status": "x"}, 1)])
    assert read(one) == {"_id": one, "version": 2, "status": "complete", "_applied": 3}
    assert read(two) == {"_id": two, "version": 1, "status": "x", "_applied": 1}
    views.save_many([])


def test_a_bulk_write_of_hundreds_of_views_completes(stores: Stores) -> None:
    """FerretDB 1.24 deadlocks on one update command of ~100 updates; the adapter splits the batch."""
    _, views, read = stores
    ids = [str(uuid.uuid4()) for _ in range(250)]
    views.save_many([(data_id, {"version": 1, "status": "received"}, 1) for data_id in ids])
    views.save_many([(data_id, {"version": 1, "status": "complete"}, 3) for data_id in ids])
    assert all(read(data_id)["status"] == "complete" for data_id in ids)


def test_adding_views_inserts_new_ones_and_replaces_any_that_exist(stores: Stores) -> None:
    _, views, read = stores
    old, new = str(uuid.uuid4()), str(uuid.uuid4())
    views.save(old, {"version": 1, "status": "received"}, 1)
    views.add_many([(old, {"version": 1, "status": "complete"}, 3), (new, {"version": 1, "status": "x"}, 1)])
    assert read(old) == {"_id": old, "version": 1, "status": "complete", "_applied": 3}
    assert read(new) == {"_id": new, "version": 1, "status": "x", "_applied": 1}
    views.add_many([])
