"""The projector converges on the in-order document whatever the delivery order, duplicates or stale versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from query_svc.adapters.memory import InMemoryRecordViews, InMemoryTimeline
from query_svc.application.projector import Projector
from query_svc.domain.timeline import TimelineEntry, distinct
from tests.unit.query.events import entry, ingested, lifecycle, processed, validated

DATA_ID = str(uuid.uuid4())
EVENTS = lifecycle(DATA_ID)


class Harness:
    def __init__(self) -> None:
        self.timeline = InMemoryTimeline()
        self.views = InMemoryRecordViews()
        self.projector = Projector(self.timeline, self.views)

    def doc(self, data_id: str) -> dict[str, Any]:
        return self.views.documents[data_id]

    def history(self, data_id: str) -> tuple[TimelineEntry, ...]:
        return tuple(sorted(distinct(self.timeline.read(data_id)), key=TimelineEntry.history_key))


def _project(order: list[int]) -> dict[str, Any]:
    harness = Harness()
    for index in order:
        harness.projector.apply(DATA_ID, entry(EVENTS[index]))
    return {**harness.doc(DATA_ID), "_timeline": harness.history(DATA_ID)}


IN_ORDER = _project(list(range(len(EVENTS))))


def test_in_order_delivery_gives_the_current_version_with_both_results() -> None:
    assert IN_ORDER["version"] == 2
    assert IN_ORDER["payload"] == {"name": "Ada", "age": 30}
    assert IN_ORDER["status"] == "complete"
    assert IN_ORDER["validation"]["status"] == "valid"
    assert IN_ORDER["processing"]["result"] == {"v": 2}
    assert IN_ORDER["timestamp"] < IN_ORDER["received_at"]
    assert len(IN_ORDER["_timeline"]) == 6 and IN_ORDER["_applied"] == 6


@settings(max_examples=300, deadline=None)
@given(
    st.permutations(range(len(EVENTS))),
    st.lists(st.integers(min_value=0, max_value=len(EVENTS) - 1), max_size=6),
)
def test_any_order_with_duplicates_converges_on_the_in_order_document(
    order: list[int], duplicates: list[int]
) -> None:
    delivered = list(order)
    for position, index in enumerate(duplicates):
        delivered.insert((position * 3) % (len(delivered) + 1), index)
    assert _project(delivered) == IN_ORDER


def test_a_duplicate_delivery_reports_no_change() -> None:
    harness = Harness()
    assert harness.projector.apply(DATA_ID, entry(EVENTS[0])) is True
    assert harness.projector.apply(DATA_ID, entry(EVENTS[0])) is False
    assert harness.doc(DATA_ID)["_applied"] == 1


def test_a_result_before_its_ingestion_waits_hidden_then_applies() -> None:
    data_id = str(uuid.uuid4())
    harness = Harness()
    projector = harness.projector
    projector.apply(data_id, entry(validated(data_id, 1, True, 5)))
    assert harness.doc(data_id)["version"] == 0
    assert harness.doc(data_id)["status"] == "awaiting"
    projector.apply(data_id, entry(ingested(data_id, 1, {"a": 1}, 0)))
    assert harness.doc(data_id)["status"] == "validated"
    assert harness.doc(data_id)["validation"]["status"] == "valid"


def test_a_stale_result_is_kept_in_the_timeline_without_touching_the_current_version() -> None:
    data_id = str(uuid.uuid4())
    harness = Harness()
    projector = harness.projector
    projector.apply(data_id, entry(ingested(data_id, 2, {"v": 2}, 10)))
    projector.apply(data_id, entry(processed(data_id, 1, False, 3)))
    projector.apply(data_id, entry(ingested(data_id, 1, {"v": 1}, 0)))
    doc = harness.doc(data_id)
    assert (doc["version"], doc["payload"], doc["status"]) == (2, {"v": 2}, "received")
    assert doc["processing"]["status"] == "pending"
    timeline = harness.history(data_id)
    assert [e.event_type for e in timeline] == ["DataIngested", "DataProcessed", "DataIngested"]


def test_status_covers_each_partial_result() -> None:
    data_id = str(uuid.uuid4())
    cases = [
        ([validated(data_id, 1, False, 1)], "invalid"),
        ([processed(data_id, 1, True, 1)], "processed"),
        ([processed(data_id, 1, False, 1)], "failed"),
        ([validated(data_id, 1, True, 1), processed(data_id, 1, False, 2)], "complete"),
    ]
    for results, status in cases:
        harness = Harness()
        projector = harness.projector
        for event in [ingested(data_id, 1, {}, 0), *results]:
            projector.apply(data_id, entry(event))
        assert harness.doc(data_id)["status"] == status


class WritesSeen(InMemoryRecordViews):
    """The in-memory views, noting which records' views were inserted and which replaced."""

    def __init__(self) -> None:
        super().__init__()
        self.added: list[str] = []
        self.saved: list[str] = []

    def add_many(self, views: Sequence[tuple[str, dict[str, Any], int]]) -> None:
        self.added += [data_id for data_id, _, _ in views]
        for view in views:
            self.save(*view)

    def save_many(self, views: Sequence[tuple[str, dict[str, Any], int]]) -> None:
        self.saved += [data_id for data_id, _, _ in views]
        for view in views:
            self.save(*view)


def test_the_view_of_a_record_whose_first_slot_the_batch_took_is_inserted_later_ones_replace_it() -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    views = WritesSeen()
    projector = Projector(InMemoryTimeline(), views)

    projector.apply_many([entry(ingested(first, 1, {}, 0)), entry(ingested(second, 1, {}, 0))])
    projector.apply_many([entry(validated(first, 1, True, 1))])

    assert (sorted(views.added), views.saved) == (sorted([first, second]), [first])
    assert views.documents[first]["status"] == "validated"


def test_a_view_is_replaced_when_another_writer_took_the_first_slot() -> None:
    data_id = str(uuid.uuid4())
    timeline, views = InMemoryTimeline(), WritesSeen()
    Projector(timeline, views).apply_many([entry(ingested(data_id, 1, {}, 0))])
    views.added.clear()

    Projector(timeline, views).apply_many([entry(validated(data_id, 1, True, 1))])  # knows nothing yet

    assert (views.added, views.saved) == ([], [data_id])
    assert views.documents[data_id]["status"] == "validated"
