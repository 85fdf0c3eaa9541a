"""The hand-over of a rebuild's switch to the live consumers (application.live and the runner's switching
phase), with the view store and the log in memory: a consumer writes to the generation it last reported,
follows the pointer within its refresh interval, and the last pass waits for every consumer that is not
silent to follow, so nothing a consumer applies to the old generation comes after that pass began."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from query_svc.adapters.memory import InMemoryRecordViews, InMemoryTimeline
from query_svc.application.live import SILENT_AFTER, LiveProjection
from query_svc.application.ports import ConsumerReport
from query_svc.application.projector import Projector
from query_svc.application.rebuild import RebuildRunner, Rebuilds
from query_svc.domain.rebuild_job import DONE, RebuildJob
from query_svc.domain.timeline import TimelineEntry
from tests.helpers import wait_until
from tests.unit.query.events import entry, lifecycle


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Generations:
    """ViewGenerations in memory; every generation's projector writes to its own timeline and views."""

    active: str = "initial"
    consumers: dict[str, ConsumerReport] = field(default_factory=dict)
    timelines: dict[str, InMemoryTimeline] = field(default_factory=dict)

    def projector_for(self, generation: str) -> Projector:
        timeline = self.timelines.setdefault(generation, InMemoryTimeline())
        return Projector(timeline, InMemoryRecordViews())

    def read_active(self) -> str:
        return self.active

    def activate(self, generation: str) -> None:
        self.active = generation

    def prepare(self, generation: str) -> None:
        self.timelines.setdefault(generation, InMemoryTimeline())

    def drop(self, generation: str) -> None:
        self.timelines.pop(generation, None)

    def existing(self) -> list[str]:
        return list(self.timelines)

    def report(self, instance: str, generation: str) -> None:
        self.consumers[instance] = ConsumerReport(instance, generation, _now())

    def reports(self) -> list[ConsumerReport]:
        return list(self.consumers.values())

    def holds(self, generation: str, events: Sequence[TimelineEntry]) -> bool:
        timeline = self.timelines[generation]
        return all(e.event_id in {h.event_id for h in timeline.read(e.data_id)} for e in events)


@dataclass
class Jobs:
    """JobStore in memory: one process, so every claim and takeover succeeds once."""

    jobs: dict[str, RebuildJob] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)

    def create(self, job: RebuildJob) -> bool:
        if not self._insert("lock"):
            return False
        self.jobs[job.id] = job
        return True

    def save(self, job: RebuildJob) -> None:
        self.jobs[job.id] = job

    def get(self, job_id: str) -> RebuildJob | None:
        return self.jobs.get(job_id)

    def recent(self, limit: int) -> list[RebuildJob]:
        return sorted(self.jobs.values(), key=lambda j: j.created_at, reverse=True)[:limit]

    def lock_holder(self) -> str | None:
        return next(iter(self.jobs)) if "lock" in self.markers else None

    def release(self, job_id: str) -> None:
        self.markers.discard("lock")

    def claim(self, job_id: str) -> bool:
        return self._insert(f"claim:{job_id}")

    def take_over(self, job_id: str, seen_at: datetime) -> bool:
        return self._insert(f"takeover:{job_id}:{seen_at}")

    def request_cancel(self, job_id: str) -> None:
        self._insert(f"cancel:{job_id}")

    def cancel_requested(self, job_id: str) -> bool:
        return f"cancel:{job_id}" in self.markers

    def _insert(self, marker: str) -> bool:
        if marker in self.markers:
            return False
        self.markers.add(marker)
        return True


@dataclass
class Log:
    """EventLog in memory: a list of events per topic; a reader's position is an index into it."""

    topics: dict[str, list[TimelineEntry]]
    last_pass_opened_at: list[float] = field(default_factory=list)

    def open_readers(self, after: Mapping[str, str] | None = None) -> list[Reader]:
        if after is not None:
            self.last_pass_opened_at.append(time.monotonic())
        start = after or {}
        return [
            Reader(topic, events, int(start.get(topic, "-1")) + 1) for topic, events in self.topics.items()
        ]

    def sizes(self) -> dict[str, int]:
        return {topic: len(events) for topic, events in self.topics.items()}


@dataclass
class Reader:
    topic: str
    events: list[TimelineEntry]
    next: int

    @property
    def position(self) -> str | None:
        return str(self.next - 1) if self.next > 0 else None

    def read_batch(self, max_events: int) -> list[TimelineEntry]:
        batch = self.events[self.next : self.next + max_events]
        self.next += len(batch)
        return batch

    def close(self) -> None:
        pass


def test_a_live_consumer_writes_where_it_reported_and_follows_the_pointer_within_its_refresh() -> None:
    generations = Generations()
    first, later, last = ([entry(e)] for e in lifecycle()[:3])
    live = LiveProjection(generations, generations.projector_for, "consumer-1", refresh_s=0.3)

    live.apply_many(first)
    generations.activate("new")
    live.apply_many(later)  # within the refresh interval: still the generation it reported
    assert generations.consumers["consumer-1"].generation == "initial"
    time.sleep(0.35)
    live.apply_many(last)

    assert generations.consumers["consumer-1"].generation == "new"
    assert generations.holds("initial", [*first, *later]) and generations.holds("new", last)


def test_the_last_pass_waits_for_a_consumer_that_is_not_silent_and_then_holds_what_it_applied_to_the_old_view() -> (
    None
):
    generations = Generations()
    events = [entry(e) for e in lifecycle()]
    log = Log(
        {"ingested": [e for e in events if e.event_type == "DataIngested"], "validated": [], "processed": []}
    )
    refresh_s = 1.5
    live = LiveProjection(generations, generations.projector_for, "consumer-1", refresh_s=refresh_s)
    live.apply_many(log.topics["ingested"][:1])  # reported "initial" just now
    refreshed = time.monotonic()
    gone = ConsumerReport("consumer-2", "initial", _now() - SILENT_AFTER - timedelta(seconds=1))
    generations.consumers["consumer-2"] = gone  # a process that ended: silent, so nobody waits for it
    jobs = Jobs()
    job = Rebuilds(jobs).start()
    runner = RebuildRunner(jobs, log, generations, generations.projector_for, switch_timeout_s=30)
    finished: list[RebuildJob] = []
    thread = threading.Thread(target=lambda: finished.append(runner.run(job)))

    thread.start()
    wait_until(lambda: generations.active == job.generation, timeout_s=10, what="the switch")
    # Published after the catching-up pass, applied by the consumer to the old view (it has not refreshed).
    late = entry(lifecycle()[1])
    log.topics["validated"].append(late)
    live.apply_many([late])
    time.sleep(0.3)
    assert not log.last_pass_opened_at, "the last pass began while a consumer still wrote the old view"
    time.sleep(max(0.0, refreshed + refresh_s - time.monotonic()))
    followed_at = time.monotonic()
    live.apply_many([entry(lifecycle()[2])])  # past its refresh: re-reads the pointer and reports it
    thread.join(30)

    assert finished and finished[0].state == DONE, finished
    assert generations.consumers["consumer-1"].generation == job.generation
    assert log.last_pass_opened_at[0] >= followed_at
    assert generations.holds(job.generation, [*log.topics["ingested"], late])
