"""Zero-downtime rebuild of the view: replay the three topics into a new generation, then switch to it.

Phases of a job (its `state`):
- pending: asked for; a query consumer process picks it up within a second.
- running: Pulsar Readers replay every topic from its earliest message into the new generation, in bulk,
  with no check for other writers (nothing else writes to it yet), until each reader has caught up.
- catching_up: one more pass for what was published meanwhile.
- switching: the job saves where the catching-up pass ended in each topic, then the generation pointer
  moves to the new generation; live consumers follow it (see application.live); once all have, each topic
  is read from that position to its end once more, now alongside them.
- done, failed, cancelled: finished. Queries are answered from the old generation until the switch and
  from the new one after it. A cancelled or failed job drops its unfinished generation; the old one stays.

Once the pointer has moved there is no way back, and until the last pass has run the new generation may
lack events a consumer applied to the old one before it followed. So that pass is never given up: a
failure is retried, and a job whose runner stopped (killed, or its process shut down) is taken over by
another query consumer from the saved positions. Replaying an event twice is harmless (one slot per event).

One job at a time: starting takes a lock (an atomic insert); a job that is not yet switching and whose
runner stopped sending heartbeats for `STALE_AFTER` is shown as failed and gives the lock up to the next
request.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from query_svc.application.live import SILENT_AFTER
from query_svc.application.ports import EventLog, JobStore, TopicReader, ViewGenerations
from query_svc.application.projector import Projector
from query_svc.domain.errors import JobNotFound, QueryError, RebuildConflict, ViewStoreDown
from query_svc.domain.rebuild_job import (
    CANCELLED,
    CATCHING_UP,
    DONE,
    FAILED,
    PENDING,
    RUNNING,
    SWITCHING,
    UNFINISHED,
    RebuildJob,
    effective,
    stale,
)
from query_svc.domain.timeline import TimelineEntry

_MAX_RETRY_S = 5.0  # below STALE_AFTER: a runner that retries is not taken for gone
_log = logging.getLogger(__name__)


class Rebuilds:
    """What the API and the CLI do with rebuild jobs."""

    def __init__(self, jobs: JobStore, clock: Callable[[], datetime] | None = None) -> None:
        self._jobs = jobs
        self._clock = clock or (lambda: datetime.now(UTC))

    def start(self) -> RebuildJob:
        now = self._clock()
        job = RebuildJob(
            id=uuid.uuid4().hex, state=PENDING, generation=now.strftime("%Y%m%d%H%M%S"), created_at=now
        )
        for _ in range(2):
            if self._jobs.create(job):
                return job
            holder = self._jobs.lock_holder()
            running = self._jobs.get(holder) if holder else None
            if running is not None and running.state == SWITCHING:
                raise RebuildConflict(f"rebuild {running.id} is switching the view over; wait for it")
            if running is not None and effective(running, now).state in UNFINISHED:
                raise RebuildConflict(f"rebuild {running.id} is {running.state}; wait for it or cancel it")
            if running is not None:
                self._jobs.save(effective(running, now))
            self._jobs.release(holder or "")
        raise RebuildConflict("another rebuild was started at the same moment")

    def get(self, job_id: str) -> RebuildJob:
        job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound(f"no rebuild job {job_id}")
        return effective(job, self._clock())

    def recent(self, limit: int = 10) -> list[RebuildJob]:
        now = self._clock()
        return [effective(job, now) for job in self._jobs.recent(limit)]

    def cancel(self, job_id: str) -> RebuildJob:
        job = self.get(job_id)
        if job.state not in UNFINISHED:
            raise RebuildConflict(f"rebuild {job_id} has already finished ({job.state})")
        if job.state == SWITCHING:
            raise RebuildConflict(
                f"rebuild {job_id} is switching the view over and can no longer be cancelled"
            )
        self._jobs.request_cancel(job_id)
        return job


class Cancelled(Exception):
    pass


@dataclass
class RebuildRunner:
    """Runs pending rebuild jobs in a query consumer process."""

    jobs: JobStore
    log: EventLog
    generations: ViewGenerations
    projector_for: Callable[[str], Projector]
    batch: int = 1000
    keep_generations: int = 0  # older generations kept after a switch, besides the active one
    switch_timeout_s: float = 60.0
    retry_s: float = 1.0  # first wait before retrying a failed switch; doubles up to _MAX_RETRY_S
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def run_forever(self, stop: threading.Event, poll_s: float = 1.0) -> None:
        while not stop.wait(poll_s):
            try:
                for job in self.jobs.recent(5):
                    now = self.clock()
                    if job.state == PENDING and not stale(job, now) and self.jobs.claim(job.id):
                        self.run(job, stop)
                    elif (
                        job.state == SWITCHING
                        and stale(job, now)
                        and self.jobs.take_over(job.id, job.seen_at)
                    ):
                        _log.warning("rebuild %s: its runner stopped while switching; taking it over", job.id)
                        self.switch(_Progress(self, job, stop), stop)
            except QueryError as error:  # the view store is down: the live consumers say so already
                _log.warning("rebuild runner cannot read jobs (%s); retrying in %ss", error, poll_s)
            except Exception:
                _log.exception("rebuild runner failed; retrying in %ss", poll_s)

    def run(self, job: RebuildJob, stop: threading.Event | None = None) -> RebuildJob:
        progress = _Progress(self, replace(job, state=RUNNING, started_at=self.clock()), stop)
        try:
            self.generations.prepare(job.generation)
            progress.job = replace(progress.job, totals=self.log.sizes())
            projector = self.projector_for(job.generation)
            readers = self.log.open_readers()
            try:
                self._replay(readers, projector, progress, sole_writer=True)
                progress.set_state(CATCHING_UP)
                self._replay(readers, projector, progress, sole_writer=True)
                reached = {r.topic: position for r in readers if (position := r.position) is not None}
            finally:
                for reader in readers:
                    reader.close()
            progress.job = replace(progress.job, resume_from=reached)
            progress.set_state(SWITCHING)  # saved with the positions before the pointer moves
        except Cancelled:
            self.generations.drop(job.generation)
            return progress.finish(CANCELLED, "cancelled on request; the previous view stays active")
        except Exception as error:
            _log.exception("rebuild %s failed", job.id)
            self.generations.drop(job.generation)
            return progress.finish(FAILED, f"{type(error).__name__}: {error}")
        return self.switch(progress, stop)

    def switch(self, progress: _Progress, stop: threading.Event | None = None) -> RebuildJob:
        """Activates the job's generation and replays each topic from the saved positions alongside the live
        consumers, retrying until it succeeds. If `stop` is set first, the job is left switching, for
        another runner to take over."""
        job = progress.job
        delay = self.retry_s
        while True:
            try:
                if self.generations.read_active() != job.generation:
                    if job.generation not in self.generations.existing():
                        # Its runner failed just before the switch and dropped it, but could not say so.
                        return progress.finish(FAILED, "its generation was dropped before the switch")
                    self.generations.activate(job.generation)
                self._wait_for_consumers(job.generation, progress)
                readers = self.log.open_readers(after=job.resume_from)
                try:
                    self._replay(readers, self.projector_for(job.generation), progress, sole_writer=False)
                finally:
                    for reader in readers:
                        reader.close()
                self._drop_old(job.generation)
                return progress.finish(DONE)
            except Exception:
                _log.exception("rebuild %s: switching failed; retrying in %.0fs", job.id, delay)
            if stop is not None and stop.wait(delay):
                _log.warning("rebuild %s left switching, for another query consumer to finish", job.id)
                return progress.job
            if stop is None:
                time.sleep(delay)
            delay = min(delay * 2, _MAX_RETRY_S)

    def _replay(
        self, readers: Sequence[TopicReader], projector: Projector, progress: _Progress, *, sole_writer: bool
    ) -> None:
        """Reads a batch from every topic and applies them together, until a whole round brings nothing.

        Applying the three topics' batches at once lets a record's submission and results, which sit at about
        the same place in their topics, be folded into one view write instead of three. The next round is
        read (and decoded) by a thread of its own while this one is written, so the broker's and the view
        store's round trips overlap; every round read is applied, since reading stops at an empty one.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rebuild-read-ahead") as reading:
            upcoming = reading.submit(self._read_round, readers)
            while True:
                batches = upcoming.result()
                if not any(batch for _, batch in batches):
                    return
                upcoming = reading.submit(self._read_round, readers)
                self._apply_round(batches, projector, progress, sole_writer=sole_writer)

    def _read_round(self, readers: Sequence[TopicReader]) -> list[tuple[str, list[TimelineEntry]]]:
        return [(reader.topic, reader.read_batch(self.batch)) for reader in readers]

    def _apply_round(
        self,
        batches: list[tuple[str, list[TimelineEntry]]],
        projector: Projector,
        progress: _Progress,
        *,
        sole_writer: bool,
    ) -> None:
        """Applies one round's batches in one write, or event by event, skipping those the store refuses."""
        entries = [entry for _, batch in batches for entry in batch]
        try:
            projector.apply_many(entries, sole_writer=sole_writer)
        except ViewStoreDown:
            raise
        except Exception:
            # An event the store refuses (a live consumer dead-letters it) must not stop the rebuild:
            # apply the batch one event at a time and skip exactly those.
            _log.warning("a rebuild batch failed; applying it event by event", exc_info=True)
            for entry in entries:
                progress.beat()
                try:
                    projector.apply_many([entry], sole_writer=sole_writer)
                except ViewStoreDown:
                    raise
                except Exception as error:
                    _log.error("rebuild skips event %s of %s: %s", entry.event_id, entry.data_id, error)
                    progress.skip(_topic_of(entry, batches))
        for topic, batch in batches:
            if batch:
                progress.count(topic, len(batch))

    def _wait_for_consumers(self, generation: str, progress: _Progress) -> None:
        """Until every live consumer writes to the new generation or has been silent long enough."""
        deadline = time.monotonic() + self.switch_timeout_s
        while time.monotonic() < deadline:
            now = self.clock()
            behind = [
                r
                for r in self.generations.reports()
                if r.generation != generation and now - r.seen_at < SILENT_AFTER
            ]
            if not behind:
                return
            progress.beat()
            time.sleep(0.2)
        raise TimeoutError(f"live consumers did not follow the switch within {self.switch_timeout_s}s")

    def _drop_old(self, active: str) -> None:
        older = [g for g in self.generations.existing() if g != active]
        for generation in older[: max(0, len(older) - self.keep_generations)]:
            self.generations.drop(generation)


def _topic_of(entry: TimelineEntry, batches: list[tuple[str, list[TimelineEntry]]]) -> str:
    return next(topic for topic, batch in batches if entry in batch)


class _Progress:
    """Counts replayed events and saves the job (with its heartbeat) at most once a second."""

    def __init__(self, runner: RebuildRunner, job: RebuildJob, stop: threading.Event | None) -> None:
        self._runner = runner
        self._stop = stop
        self._started = time.monotonic()
        self._saved = 0.0
        self.job = job
        self.save()

    def count(self, topic: str, n: int) -> None:
        replayed = dict(self.job.replayed)
        replayed[topic] = replayed.get(topic, 0) + n
        self.job = replace(self.job, replayed=replayed)
        self.beat()

    def skip(self, topic: str) -> None:
        skipped = dict(self.job.skipped)
        skipped[topic] = skipped.get(topic, 0) + 1
        self.job = replace(self.job, skipped=skipped)

    def set_state(self, state: str) -> None:
        self.job = replace(self.job, state=state)
        self.save()

    def beat(self) -> None:
        if time.monotonic() - self._saved >= 1.0:
            self.save()
        if self.job.state == SWITCHING:
            return  # past the point of no return: the new generation is already active
        if self._stop is not None and self._stop.is_set():
            raise Cancelled
        if self._runner.jobs.cancel_requested(self.job.id):
            raise Cancelled

    def save(self) -> None:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        done = sum(self.job.replayed.values())
        total = sum(self.job.totals.values())
        rate = done / elapsed
        eta = max(total - done, 0) / rate if rate > 0 and total else None
        self.job = replace(
            self.job,
            rate=round(rate, 1),
            eta_seconds=None if eta is None else round(eta, 1),
            heartbeat_at=self._runner.clock(),
        )
        self._runner.jobs.save(self.job)
        self._saved = time.monotonic()

    def finish(self, state: str, error: str | None = None) -> RebuildJob:
        self.job = replace(self.job, state=state, error=error, finished_at=self._runner.clock())
        self.save()
        self._runner.jobs.release(self.job.id)
        _log.info("rebuild %s %s: %s", self.job.id, state, self.job.replayed)
        return self.job
