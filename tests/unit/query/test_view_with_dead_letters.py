"""What the view shows while one of a record's events sits in a dead-letter topic.

The view is a pure function of the set of applied events, so a dead-lettered event is simply missing from
the set: the view shows what the others imply, never a version out of order, and a later redrive of the
missing event gives exactly the view an in-time delivery would have given (docs/operations.md,
"Dead letters").
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from contracts import IntegrationEvent
from query_svc.adapters.memory import InMemoryRecordViews, InMemoryTimeline
from query_svc.application.projector import Projector
from query_svc.domain.timeline import distinct
from query_svc.domain.view import as_of
from tests.unit.query.events import T0, entry, lifecycle

V1_INGESTED, V1_VALIDATED, V1_PROCESSED, V2_INGESTED, V2_VALIDATED, V2_PROCESSED = range(6)


class Record:
    def __init__(self, events: list[IntegrationEvent] | None = None) -> None:
        self.events = events or lifecycle(str(uuid.uuid4()))
        self.data_id = self.events[0].data_id
        self._timeline = InMemoryTimeline()
        self._views = InMemoryRecordViews()
        self._projector = Projector(self._timeline, self._views)

    def apply(self, *indexes: int) -> dict[str, Any]:
        for index in indexes:
            self._projector.apply(self.data_id, entry(self.events[index]))
        return self._views.documents[self.data_id]

    def at(self, seconds: int) -> dict[str, Any] | None:
        return as_of(distinct(self._timeline.read(self.data_id)), T0 + timedelta(seconds=seconds))


def _in_time(events: list[IntegrationEvent]) -> dict[str, Any]:
    """The view had every event been applied when it was first delivered."""
    return Record(events).apply(*range(len(events)))


def test_a_dead_lettered_verdict_leaves_that_version_pending_and_a_later_version_is_still_current() -> None:
    record = Record()

    v1 = record.apply(V1_INGESTED, V1_PROCESSED)  # v1's DataValidated is dead-lettered
    assert (v1["version"], v1["status"], v1["validation"]["status"]) == (1, "processed", "pending")

    v2 = record.apply(V2_INGESTED, V2_VALIDATED, V2_PROCESSED)
    assert (v2["version"], v2["status"], v2["validation"]["status"]) == (2, "complete", "valid")
    then = record.at(5)
    assert then is not None and (then["version"], then["validation"]["status"]) == (1, "pending")

    redriven = record.apply(V1_VALIDATED)
    assert redriven == _in_time(record.events)  # the late verdict lands in v1's history only
    then = record.at(5)
    assert then is not None and then["validation"]["status"] == "invalid"


def test_a_dead_lettered_submission_leaves_only_results_which_are_awaiting() -> None:
    record = Record()

    view = record.apply(V1_VALIDATED, V1_PROCESSED)  # v1's DataIngested is dead-lettered

    assert (view["version"], view["status"]) == (0, "awaiting")  # every read hides version 0
    assert "payload" not in view and record.at(5) is None
    assert record.apply(V1_INGESTED)["status"] == "complete"


def test_a_dead_lettered_amendment_keeps_the_previous_version_current_until_it_is_redriven() -> None:
    record = Record()

    view = record.apply(V1_INGESTED, V1_VALIDATED, V1_PROCESSED, V2_VALIDATED, V2_PROCESSED)

    assert (view["version"], view["status"], view["payload"]["age"]) == (1, "complete", 12)
    assert view["validation"]["status"] == "invalid"  # v1's verdict, not v2's
    assert record.apply(V2_INGESTED) == _in_time(record.events)
