"""Batches handed over while another is being written are written together, and failures stay their own."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence

import pytest

from query_svc.adapters.memory import InMemoryRecordViews, InMemoryTimeline
from query_svc.application.combining import CombiningApplier
from query_svc.application.projector import Projector
from query_svc.domain.timeline import TimelineEntry
from tests.helpers import wait_until
from tests.unit.query.events import entry, ingested, processed, validated


class Gate:
    """An applier that records each call and holds the first one until `open()`."""

    def __init__(self, failing: set[str] | None = None, error: type[BaseException] = RuntimeError) -> None:
        self.calls: list[list[str]] = []
        self.singles: list[str] = []
        self.failing = failing or set()
        self.error = error
        self.first_arrived = threading.Event()
        self._open = threading.Event()

    def open(self) -> None:
        self._open.set()

    def apply(self, data_id: str, entry: TimelineEntry) -> bool:
        self.singles.append(entry.event_id)
        return True

    def apply_many(self, entries: Sequence[TimelineEntry]) -> set[str]:
        ids = [e.event_id for e in entries]
        self.calls.append(ids)
        if len(self.calls) == 1:
            self.first_arrived.set()
            self._open.wait(5)
        if self.failing & set(ids):
            raise self.error(f"refused {sorted(self.failing & set(ids))}")
        return set(ids)


def _batch(n: int = 2) -> list[TimelineEntry]:
    return [entry(ingested(str(uuid.uuid4()), 1, {"n": i}, at=i)) for i in range(n)]


def _hand_over(applier: CombiningApplier, batch: list[TimelineEntry], results: dict[int, object]) -> None:
    try:
        results[id(batch)] = applier.apply_many(batch)
    except BaseException as error:  # the test looks at what each caller got
        results[id(batch)] = error


def _while_the_first_is_written(
    gate: Gate, applier: CombiningApplier, *later: list[TimelineEntry]
) -> dict[str, object]:
    first = _batch()
    results: dict[int, object] = {}
    threads = [threading.Thread(target=_hand_over, args=(applier, first, results))]
    threads[0].start()
    assert gate.first_arrived.wait(5)
    for batch in later:
        threads.append(threading.Thread(target=_hand_over, args=(applier, batch, results)))
        threads[-1].start()
    wait_until(lambda: len(applier._waiting) == len(later), timeout_s=5, what="the later batches handed over")
    gate.open()
    for thread in threads:
        thread.join(5)
    return {"first": results[id(first)], **{f"later{i}": results[id(b)] for i, b in enumerate(later)}}


def test_batches_handed_over_during_a_write_are_written_together_next() -> None:
    gate = Gate()
    second, third = _batch(), _batch(3)

    results = _while_the_first_is_written(gate, CombiningApplier(gate), second, third)

    assert len(gate.calls) == 2
    assert sorted(gate.calls[1]) == sorted(e.event_id for e in second + third)
    assert results["later0"] == {e.event_id for e in second}
    assert results["later1"] == {e.event_id for e in third}


def test_a_failing_combined_batch_is_written_again_one_caller_at_a_time_and_only_its_owner_fails() -> None:
    bad = _batch()
    gate = Gate(failing={bad[0].event_id})
    good = _batch()

    results = _while_the_first_is_written(gate, CombiningApplier(gate), good, bad)

    assert results["first"] == set(gate.calls[0])
    assert results["later0"] == {e.event_id for e in good}
    assert isinstance(results["later1"], RuntimeError)
    assert [sorted(c) for c in gate.calls[2:]] == [
        sorted(e.event_id for e in good),
        sorted(e.event_id for e in bad),
    ]


class Interrupted(BaseException):
    """Something no handler catches, stopping the thread that writes a combined batch."""


def test_when_the_writer_is_interrupted_no_batch_of_the_combination_counts_as_written() -> None:
    doomed = _batch()
    gate = Gate(failing={doomed[0].event_id}, error=Interrupted)
    other = _batch()

    results = _while_the_first_is_written(gate, CombiningApplier(gate), doomed, other)

    assert isinstance(results["later0"], Interrupted) or isinstance(results["later1"], Interrupted)
    assert all(isinstance(results[k], BaseException) for k in ("later0", "later1"))
    assert len(gate.calls) == 2  # the combined call only: nothing was written one by one


def test_a_lone_failing_batch_raises_its_own_error_and_the_next_caller_still_writes() -> None:
    bad = _batch()
    gate = Gate(failing={bad[0].event_id})
    gate.open()
    applier = CombiningApplier(gate)

    with pytest.raises(RuntimeError, match="refused"):
        applier.apply_many(bad)
    good = _batch()

    assert applier.apply_many(good) == {e.event_id for e in good}


def test_one_message_at_a_time_goes_straight_to_the_projector() -> None:
    gate = Gate()
    single = _batch(1)[0]

    assert CombiningApplier(gate).apply(single.data_id, single)
    assert gate.singles == [single.event_id] and gate.calls == []


def test_threads_combining_the_topics_of_many_records_leave_the_views_one_projector_alone_leaves() -> None:
    records = [str(uuid.uuid4()) for _ in range(30)]
    by_topic = {
        "ingested": [entry(ingested(r, 1, {"n": 1}, at=1)) for r in records],
        "validated": [entry(validated(r, 1, True, at=2)) for r in records],
        "processed": [entry(processed(r, 1, True, at=3)) for r in records],
    }
    alone_views = InMemoryRecordViews()
    alone = Projector(InMemoryTimeline(), alone_views)
    for events in by_topic.values():
        alone.apply_many(events)
    views = InMemoryRecordViews()
    combining = CombiningApplier(Projector(InMemoryTimeline(), views))

    def consume(events: list[TimelineEntry]) -> None:
        for start in range(0, len(events), 4):
            combining.apply_many(events[start : start + 4])

    threads = [threading.Thread(target=consume, args=(events,)) for events in by_topic.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert views.documents == alone_views.documents
    assert {doc["status"] for doc in views.documents.values()} == {"complete"}


def test_with_a_gathering_window_a_batch_handed_over_before_the_write_starts_joins_it() -> None:
    gate = Gate()
    gate.open()
    applier = CombiningApplier(gate, gather_s=2.0)
    first, second = _batch(), _batch(3)
    results: dict[int, object] = {}
    threads = [
        threading.Thread(target=_hand_over, args=(applier, batch, results)) for batch in (first, second)
    ]

    threads[0].start()
    wait_until(lambda: applier._writing, timeout_s=1, what="the first caller gathering")
    threads[1].start()
    wait_until(lambda: len(applier._waiting) == 2, timeout_s=1, what="the second batch handed over")
    for thread in threads:
        thread.join(5)

    assert gate.calls == [[e.event_id for e in first + second]]  # one write, nothing written before it
    assert results[id(first)] == {e.event_id for e in first}
    assert results[id(second)] == {e.event_id for e in second}
