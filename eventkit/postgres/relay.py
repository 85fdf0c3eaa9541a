"""The outbox relay: publishes committed outbox rows in commit order, one active relay at a time.

Each cycle (a) gives newly committed rows the next publication positions in one short transaction,
(b) publishes every numbered, unconfirmed row in position order with `sequence_id = position`, and
(c) marks them published. Positions, not ids, are the broker's sequence ids: a transaction that commits
late with a lower id is numbered when it becomes visible, so it gets a higher sequence id than what was
already sent and the broker's deduplication (which drops any sequence id not above the last one) keeps
it. A crash between (b) and (c) re-sends the same positions, which the broker drops as duplicates.
Between cycles the active relay purges rows published longer than the retention ago, one bounded batch
at a time; the next position comes from `outbox_relay_state`, never from the rows, so a purge cannot
disturb numbering.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import Engine
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_when_event_set,
    wait_exponential,
    wait_fixed,
)

from eventkit.eventstore.errors import StoreUnavailable
from eventkit.messaging import Publisher, PublishError
from eventkit.postgres.outbox import OUTBOX_CHANNEL
from eventkit.postgres.outbox_rows import OutboxRows
from eventkit.postgres.relay_lease import LeaseLost, PostgresRelayLease

log = logging.getLogger(__name__)

OUTBOX_BACKLOG = Gauge(
    "outbox_backlog", "Outbox messages the broker has not confirmed yet", multiprocess_mode="livemax"
)
OUTBOX_PUBLISH_LAG = Histogram(
    "outbox_publish_lag_seconds",
    "Seconds from an outbox row's insert to the broker's confirmation",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
OUTBOX_PUBLISHED = Counter("outbox_published", "Outbox messages the broker confirmed")
OUTBOX_PURGED = Counter("outbox_purged", "Published outbox rows deleted once past their retention")


class PostgresOutboxRelay:
    """Moves committed outbox rows to the broker; `run` keeps exactly one relay active per lock key.

    Every relay of one database must use the same `lock_key` (any bigint other than the migrations'
    MIGRATION_LOCK_KEY); the publisher must use `sequence_id` as the broker's sequence id.

    Each outbox commit notifies the relay (LISTEN on the lock's own session), so `poll_interval_s` is only
    the longest an idle relay goes without a cycle: a safety net, not what delivers messages on time.
    """

    def __init__(
        self,
        engine: Engine,
        publisher: Publisher,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 10.0,
        lock_key: int,
        standby_retry_s: float = 5.0,
        max_backoff_s: float = 30.0,
        channel: str = OUTBOX_CHANNEL,
        linger_s: float = 0.01,
        retention: timedelta = timedelta(seconds=60),
        purge_interval_s: float = 5.0,
        purge_batch: int = 5000,
    ) -> None:
        self._rows = OutboxRows(engine)
        self._linger_s = linger_s
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._standby_retry_s = standby_retry_s
        self._max_backoff_s = max_backoff_s
        self._lease = PostgresRelayLease(engine, lock_key, channel=channel)
        self._retention = retention
        self._purge_interval_s = purge_interval_s
        self._purge_batch = purge_batch
        self._next_purge = 0.0  # monotonic time; the first cycle of a new leader purges

    def relay_once(self) -> int:
        """Runs one cycle (number, publish, mark) and returns how many messages the broker confirmed.

        Only the holder of the relay lock may call it (`run` does), so that one relay publishes at a time.
        """
        numbered = self._rows.assign_positions(self._batch_size)
        messages = self._rows.numbered_unpublished(self._batch_size)
        # Neither step filled a batch: every committed row is numbered and these are all that wait, so
        # the backlog needs no count of its own (one query less in the cycle that runs for each commit).
        full = numbered == self._batch_size or len(messages) == self._batch_size
        backlog = self._rows.backlog() if full else len(messages)
        OUTBOX_BACKLOG.set(backlog)
        if not messages:
            return 0
        self._publisher.publish(messages)
        lags = self._rows.mark_published([message.sequence_id for message in messages])
        for seconds in lags:
            OUTBOX_PUBLISH_LAG.observe(seconds)
        OUTBOX_PUBLISHED.inc(len(lags))
        OUTBOX_BACKLOG.set(max(backlog - len(lags), 0))
        return len(messages)

    def backlog(self) -> int:
        """Counts the outbox messages the broker has not confirmed yet."""
        return self._rows.backlog()

    def purge_published(self) -> int:
        """Deletes up to one batch of messages published longer than the retention ago; returns how many."""
        purged = self._rows.purge_published(self._retention, self._purge_batch)
        OUTBOX_PURGED.inc(purged)
        return purged

    def run(self, stop: threading.Event) -> None:
        """Relays while holding the lock and stands by otherwise; returns only once `stop` is set."""
        while not stop.is_set():
            if not self._stand_by(stop):
                return
            log.info("outbox relay is now the active relay")
            try:
                self._serve(stop)
            except LeaseLost as e:
                log.warning(
                    "outbox relay lost its lock session (%s); standing by to take over again. "
                    "Check that PostgreSQL is up (`make status`) and DATABASE_URL.",
                    e,
                )
            finally:
                self._lease.release()

    def _stand_by(self, stop: threading.Event) -> bool:
        # Every few seconds: when the active relay dies its session closes and the lock becomes free.
        retrying = Retrying(
            retry=retry_if_result(lambda acquired: not acquired) | retry_if_exception_type(StoreUnavailable),
            wait=wait_fixed(self._standby_retry_s),
            stop=stop_when_event_set(stop),
            sleep=_interruptible_sleep(stop),
            before_sleep=self._log_standby,
            retry_error_callback=lambda state: False,
        )
        return bool(retrying(self._lease.try_acquire))

    def _serve(self, stop: threading.Event) -> None:
        while not stop.is_set():
            published = self._cycle_with_retries(stop)
            self._purge_when_due()
            if published < self._batch_size:  # a full batch means more is waiting: no pause
                notified = self._lease.wait(self._poll_interval_s, stop)
                if notified and self._linger_s:
                    # Under load commits arrive every few ms: waiting a moment turns many one-row
                    # cycles (each ~10 round trips and a broker send) into one, for a bounded lag.
                    stop.wait(self._linger_s)

    def _cycle_with_retries(self, stop: threading.Event) -> int:
        # Backoff restarts with every cycle; a lost lease is not retried here but ends leadership.
        retrying = Retrying(
            retry=retry_if_exception_type((StoreUnavailable, PublishError)),
            wait=wait_exponential(multiplier=0.5, max=self._max_backoff_s),
            stop=stop_when_event_set(stop),
            sleep=_interruptible_sleep(stop),
            before_sleep=_log_failure,
            retry_error_callback=lambda state: 0,
        )
        return int(retrying(self._leased_cycle))

    def _purge_when_due(self) -> None:
        # One batch per turn keeps each pause between cycles short; a full batch means more is due, so
        # the next turn comes at once and a long-neglected outbox drains a batch per cycle.
        if time.monotonic() < self._next_purge:
            return
        try:
            purged = self.purge_published()
        except StoreUnavailable as e:
            # The cycle's own retries deal with the outage; published rows just wait for the next turn.
            log.warning("outbox relay could not purge published rows (%s); trying again later", e)
            purged = 0
        full = purged == self._purge_batch
        self._next_purge = time.monotonic() + (0.0 if full else self._purge_interval_s)

    def _leased_cycle(self) -> int:
        self._lease.check()
        return self.relay_once()

    def _log_standby(self, state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        if failure is not None:
            log.warning(
                "outbox relay cannot reach PostgreSQL to take the relay lock (%s); retrying in %.1fs. "
                "Check that PostgreSQL is up (`make status`) and DATABASE_URL.",
                failure,
                self._standby_retry_s,
            )
        elif state.attempt_number == 1:
            log.info(
                "outbox relay is on standby: another relay holds the lock; retrying every %.1fs",
                self._standby_retry_s,
            )


def _interruptible_sleep(stop: threading.Event) -> Callable[[float], None]:
    # A backoff or standby pause ends as soon as the relay is asked to stop.
    def sleep(seconds: float) -> None:
        stop.wait(seconds)

    return sleep


def _log_failure(state: RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    if isinstance(failure, PublishError):
        advice = "Check that Pulsar is up (`make status`, .run/logs/pulsar.log) and PULSAR_SERVICE_URL"
    else:
        advice = "Check that PostgreSQL is up (`make status`) and DATABASE_URL"
    log.warning(
        "outbox relay cycle failed (%s: %s); retrying in %.1fs. %s; messages wait in the outbox meanwhile.",
        type(failure).__name__,
        failure,
        delay,
        advice,
    )
