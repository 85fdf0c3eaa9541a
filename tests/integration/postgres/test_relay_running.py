"""The running relay: one active per lock key, standby takeover, LISTEN/NOTIFY wake-ups, outages survived."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from eventkit.messaging import OutboundMessage
from eventkit.postgres.relay import PostgresOutboxRelay
from eventkit.postgres.unit_of_work import PostgresUnitOfWork
from tests.integration.postgres.support import DedupingBroker, lock_holders, random_lock_key, wait_until
from tests.stack import REPO_ROOT, StackEndpoints

TOPIC = "persistent://public/default/data-ingested"


def _is_marked_published(engine: Engine, event_id: str) -> bool:
    with engine.connect() as connection:
        query = text("SELECT published_at IS NOT NULL FROM outbox WHERE event_id = CAST(:id AS uuid)")
        return bool(connection.execute(query, {"id": event_id}).scalar_one())


def _commit_message(engine: Engine) -> OutboundMessage:
    message = OutboundMessage(TOPIC, "record", b"{}", str(uuid.uuid4()))
    with PostgresUnitOfWork(engine) as uow:
        uow.outbox.add([message])
        uow.commit()
    return message


@contextmanager
def _running(relay: PostgresOutboxRelay) -> Iterator[threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the relay did not stop within 10 s of being asked to"


def _relay(
    engine: Engine, broker: DedupingBroker, lock_key: int, *, poll_interval_s: float = 0.2
) -> PostgresOutboxRelay:
    return PostgresOutboxRelay(
        engine, broker, lock_key=lock_key, poll_interval_s=poll_interval_s, standby_retry_s=0.2
    )


def test_of_two_relays_one_is_active_and_the_other_takes_over_when_it_stops(engine: Engine) -> None:
    key = random_lock_key()
    brokers = [DedupingBroker(), DedupingBroker()]
    stops = [threading.Event(), threading.Event()]
    threads = [
        threading.Thread(target=_relay(engine, broker, key).run, args=(stop,), daemon=True)
        for broker, stop in zip(brokers, stops, strict=True)
    ]
    for thread in threads:
        thread.start()
    try:
        first = _commit_message(engine)
        wait_until(lambda: any(first.event_id in b.kept_ids() for b in brokers), 10, "a relay published")
        active = 0 if brokers[0].kept else 1
        standby = 1 - active
        assert len(lock_holders(engine, key)) == 1
        assert brokers[standby].sent == []

        stops[active].set()
        threads[active].join(timeout=10)
        second = _commit_message(engine)

        wait_until(lambda: second.event_id in brokers[standby].kept_ids(), 10, "the standby took over")
        assert brokers[active].sent_sequence_ids() == [1]
        assert brokers[standby].sent_sequence_ids() == [2]
    finally:
        for stop, thread in zip(stops, threads, strict=True):
            stop.set()
            thread.join(timeout=10)


def test_a_standby_takes_over_when_the_active_relay_process_is_killed(
    engine: Engine, stack: StackEndpoints, pg_schema: str, tmp_path: Path
) -> None:
    key, published = random_lock_key(), tmp_path / "published.txt"
    published.touch()
    command = [sys.executable, "-m", "tests.integration.postgres.processes", "relay"]
    process = subprocess.Popen(
        [*command, stack.processing_db_url, pg_schema, str(key), str(published)], cwd=REPO_ROOT
    )
    try:
        wait_until(lambda: len(lock_holders(engine, key)) == 1, 30, "the relay process holds the lock")
        standby = DedupingBroker()
        with _running(_relay(engine, standby, key)):
            first = _commit_message(engine)
            wait_until(lambda: first.event_id in published.read_text(), 10, "the relay process published")
            # Kill only once the row is marked: a kill between publish and mark makes the standby
            # (rightly) re-send position 1, which is a different scenario (test_relay.py covers it).
            wait_until(lambda: _is_marked_published(engine, first.event_id), 10, "the first row marked")
            assert standby.sent == []

            process.send_signal(signal.SIGKILL)
            second = _commit_message(engine)
            wait_until(
                lambda: second.event_id in standby.kept_ids(), 15, "the standby took over and published"
            )

        assert standby.sent_sequence_ids() == [2]
        assert published.read_text().split() == [first.event_id, "1"]
    finally:
        process.kill()
        process.wait(timeout=10)


def test_a_commit_wakes_the_relay_long_before_its_poll_interval(engine: Engine) -> None:
    broker = DedupingBroker()
    with _running(_relay(engine, broker, random_lock_key(), poll_interval_s=30)):
        warm_up = _commit_message(engine)
        wait_until(lambda: warm_up.event_id in broker.kept_ids(), 10, "a first commit was published")

        message = _commit_message(engine)

        wait_until(lambda: message.event_id in broker.kept_ids(), 5, "the NOTIFY woke the relay")


def test_the_relay_keeps_going_through_broker_failures_and_says_what_to_do(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    broker = DedupingBroker(failures=2)
    with (
        caplog.at_level(logging.WARNING, logger="eventkit.postgres.relay"),
        _running(_relay(engine, broker, random_lock_key())),
    ):
        message = _commit_message(engine)
        wait_until(
            lambda: message.event_id in broker.kept_ids(), 15, "the relay published after two failures"
        )

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("PublishError" in w and "Pulsar" in w for w in warnings)


def test_the_relay_rejoins_when_its_lock_session_is_killed(engine: Engine) -> None:
    key, broker = random_lock_key(), DedupingBroker()
    with _running(_relay(engine, broker, key)):
        wait_until(lambda: len(lock_holders(engine, key)) == 1, 10, "the relay holds the lock")
        (holder,) = lock_holders(engine, key)
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})

        wait_until(
            lambda: lock_holders(engine, key) not in ([], [holder]), 15, "the relay took the lock again"
        )
        message = _commit_message(engine)
        wait_until(lambda: message.event_id in broker.kept_ids(), 10, "the relay published again")


def test_a_stopped_relay_releases_its_lock(engine: Engine) -> None:
    key = random_lock_key()
    with _running(_relay(engine, DedupingBroker(), key)):
        wait_until(lambda: len(lock_holders(engine, key)) == 1, 10, "the relay holds the lock")
    assert lock_holders(engine, key) == []
