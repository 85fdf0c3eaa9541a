"""A rebuild past its switch, on the real servers (FerretDB, Pulsar): once the new generation is active, the
last pass is never given up. If it fails its runner retries it; if its runner stops, another query consumer
takes the job over from the positions the catching-up pass reached. Either way the new generation ends up
with the events the live consumers applied only to the old generation before they followed the switch."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pulsar
import pytest

from contracts import IntegrationEvent
from eventkit.pulsar.admin import PulsarAdmin
from query_svc.adapters.mongo.jobs import JOBS, MongoJobStore
from query_svc.adapters.mongo.timeline import MongoTimeline
from query_svc.adapters.pulsar.replay import PulsarEventLog, PulsarTopicReader
from query_svc.application.rebuild import RebuildRunner, Rebuilds
from query_svc.bootstrap import Query
from query_svc.domain.errors import RebuildConflict
from query_svc.domain.rebuild_job import DONE, STALE_AFTER, SWITCHING
from tests.helpers import delete_topics, wait_until
from tests.integration.processing.conftest import publish
from tests.stack import StackEndpoints
from tests.unit.query.events import entry, lifecycle


@dataclass
class Topics:
    """Three fresh topics standing for DataIngested, DataValidated and DataProcessed."""

    client: pulsar.Client
    names: dict[str, str]  # event type -> full topic name
    admin: PulsarAdmin

    def publish(self, events: Sequence[IntegrationEvent]) -> None:
        for event_type, topic in self.names.items():
            publish(self.client, topic, [e for e in events if e.event_type == event_type])

    def log(self) -> PulsarEventLog:
        return PulsarEventLog(self.client, self.admin, list(self.names.values()))


@pytest.fixture
def topics(stack: StackEndpoints) -> Iterator[Topics]:
    suffix = uuid.uuid4().hex[:10]
    names = {
        kind: f"{stack.pulsar_namespace}/test-rebuild-{kind}-{suffix}"
        for kind in ("DataIngested", "DataValidated", "DataProcessed")
    }
    client = stack.pulsar_client(operation_timeout_s=15)
    yield Topics(client, names, stack.pulsar_admin)
    client.close()
    delete_topics(stack.pulsar_admin, stack.pulsar_namespace, suffix)


@dataclass
class InterruptedLog:
    """The real event log, with a hook run when the last pass opens its readers (after the switch):
    `interrupt` stands for what happens there (the live consumers apply events to the old generation,
    then the runner fails or is stopped); it runs `times` times."""

    log: PulsarEventLog
    interrupt: Any
    times: int = 1
    opened_after: list[Mapping[str, str]] = field(default_factory=list)

    def open_readers(self, after: Mapping[str, str] | None = None) -> Sequence[PulsarTopicReader]:
        if after:
            self.opened_after.append(dict(after))
            if self.times > 0:
                self.times -= 1
                self.interrupt()
        return self.log.open_readers(after)

    def sizes(self) -> dict[str, int]:
        return self.log.sizes()


def _runner(query: Query, log: Any, **kwargs: Any) -> RebuildRunner:
    return RebuildRunner(
        jobs=MongoJobStore(query.database[JOBS]),
        log=log,
        generations=query.generations,
        projector_for=query.projector_for,
        batch=100,
        retry_s=0.1,
        **kwargs,
    )


def _assert_holds_every_event(query: Query, generation: str, events: Sequence[IntegrationEvent]) -> None:
    """Each record's timeline holds exactly its events, and its view was folded from all of them."""
    timeline = MongoTimeline(query.generations.events(generation))
    records = query.generations.records(generation)
    by_record: dict[str, list[IntegrationEvent]] = {}
    for event in events:
        by_record.setdefault(event.data_id, []).append(event)
    for data_id, expected in by_record.items():
        held = [e.event_id for e in timeline.read(data_id)]
        assert sorted(held) == sorted(e.event_id for e in expected), f"record {data_id} lacks events"
        view = records.find_one({"_id": data_id})
        assert view is not None and view["_applied"] == len(expected)
        assert view["version"] == max(e.record_version for e in expected)


def test_a_runner_stopped_after_the_switch_is_taken_over_and_the_new_generation_misses_nothing(
    query: Query, topics: Topics
) -> None:
    first, meanwhile = lifecycle()[:3], [*lifecycle()[3:], *lifecycle(str(uuid.uuid4()))]
    topics.publish(first)
    old = query.generations.read_active()
    stopped = threading.Event()

    def consumers_apply_then_runner_stops() -> None:
        # Published after the catching-up pass; the consumers, not yet switched, apply them to the old view.
        topics.publish(meanwhile)
        query.projector_for(old).apply_many([entry(e) for e in meanwhile])
        stopped.set()
        raise ConnectionError("the runner's process was killed")

    log = InterruptedLog(topics.log(), consumers_apply_then_runner_stops)
    job = Rebuilds(MongoJobStore(query.database[JOBS])).start()

    left = _runner(query, log).run(job, stopped)

    assert left.state == SWITCHING and left.resume_from  # not failed: the new generation is already active
    assert query.generations.read_active() == job.generation
    # Another query consumer, later: it finds the runner silent.
    taking_over = _runner(query, log, clock=lambda: datetime.now(UTC) + STALE_AFTER * 2)
    stop = threading.Event()
    thread = threading.Thread(target=taking_over.run_forever, args=(stop, 0.1))
    thread.start()
    try:
        wait_until(
            lambda: MongoJobStore(query.database[JOBS]).get(job.id).state == DONE,  # type: ignore[union-attr]
            timeout_s=60,
            what="the job taken over and done",
        )
    finally:
        stop.set()
        thread.join(30)

    _assert_holds_every_event(query, job.generation, [*first, *meanwhile])
    done = MongoJobStore(query.database[JOBS]).get(job.id)
    assert done is not None and done.state == DONE
    # The takeover read on from the saved positions: the first events were replayed once, not twice.
    assert sum(done.replayed.values()) == len(first) + len(meanwhile)
    assert log.opened_after[-1] == left.resume_from
    assert query.generations.existing() == [job.generation]  # the old generation dropped


def test_a_failed_last_pass_is_retried_until_the_new_generation_misses_nothing(
    query: Query, topics: Topics
) -> None:
    first, meanwhile = lifecycle()[:3], lifecycle()[3:]
    topics.publish(first)
    old = query.generations.read_active()

    def consumers_apply_then_the_pass_fails() -> None:
        topics.publish(meanwhile)
        query.projector_for(old).apply_many([entry(e) for e in meanwhile])
        raise ConnectionError("the broker went away")

    log = InterruptedLog(topics.log(), consumers_apply_then_the_pass_fails, times=2)
    job = Rebuilds(MongoJobStore(query.database[JOBS])).start()

    done = _runner(query, log).run(job)

    assert done.state == DONE, done.error
    assert len(log.opened_after) == 3  # failed twice, then succeeded
    assert query.generations.read_active() == job.generation
    _assert_holds_every_event(query, job.generation, [*first, *meanwhile])


def test_a_switching_job_is_taken_over_by_one_runner_per_silence(query: Query) -> None:
    jobs = MongoJobStore(query.database[JOBS])
    silent_since = datetime(2026, 1, 1, tzinfo=UTC)

    assert jobs.take_over("job-1", silent_since)
    assert not jobs.take_over("job-1", silent_since)
    assert jobs.take_over("job-1", silent_since.replace(minute=1))  # silent again, later


def test_a_switching_job_is_shown_switching_and_blocks_a_new_rebuild_even_when_its_runner_is_silent(
    query: Query,
) -> None:
    jobs = MongoJobStore(query.database[JOBS])
    rebuilds = Rebuilds(jobs)
    job = rebuilds.start()
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    jobs.save(replace(job, state=SWITCHING, heartbeat_at=long_ago))

    assert rebuilds.get(job.id).state == SWITCHING
    with pytest.raises(RebuildConflict, match="switching the view over"):
        rebuilds.start()
