"""Concurrent writers on PostgreSQL: of N appends with one expected version exactly one wins."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Engine, text

from eventkit.eventstore.errors import ConcurrencyConflict
from eventkit.eventstore.model import NewEvent
from eventkit.postgres.unit_of_work import PostgresUnitOfWork
from tests.integration.postgres.support import wait_until

WRITERS = 8


def _waiting_on_locks(engine: Engine, statement: str) -> int:
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query LIKE :statement"
    )
    with engine.connect() as connection:
        return int(connection.execute(query, {"statement": f"{statement}%"}).scalar_one())


def _race(
    engine: Engine, write: Callable[[PostgresUnitOfWork], object], statement: str
) -> list[Future[object]]:
    """Runs `write` from N threads at once; the first to write holds its commit until the rest block on it."""
    start, first_wrote, release = threading.Barrier(WRITERS), threading.Event(), threading.Event()
    first = threading.Lock()

    def writer() -> object:
        with PostgresUnitOfWork(engine) as uow:
            start.wait()
            result = write(uow)
            if first.acquire(blocking=False):  # only the first writer through gets here unblocked
                first_wrote.set()
                release.wait(timeout=30)
            uow.commit()
            return result

    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [pool.submit(writer) for _ in range(WRITERS)]
        assert first_wrote.wait(timeout=30)
        wait_until(
            lambda: _waiting_on_locks(engine, statement) == WRITERS - 1,
            timeout=30,
            what="every other writer waits on the first one's uncommitted row",
        )
        release.set()
    return futures


def _outcomes(futures: list[Future[object]]) -> tuple[list[object], list[BaseException]]:
    won = [f.result() for f in futures if f.exception() is None]
    lost = [e for f in futures if (e := f.exception()) is not None]
    return won, lost


def test_one_of_many_writers_creating_a_stream_wins_and_the_rest_conflict(engine: Engine) -> None:
    stream_id = f"record-{uuid.uuid4()}"

    futures = _race(
        engine,
        lambda uow: uow.events.append(stream_id, 0, [NewEvent("DataReceived", {})]),
        "INSERT INTO events",
    )

    won, lost = _outcomes(futures)
    assert len(won) == 1
    assert len(lost) == WRITERS - 1
    assert all(isinstance(e, ConcurrencyConflict) and (e.expected, e.actual) == (0, 1) for e in lost)
    with PostgresUnitOfWork(engine) as uow:
        assert [e.version for e in uow.events.read_stream(stream_id)] == [1]


def test_one_of_many_writers_amending_a_stream_wins_and_the_rest_conflict(engine: Engine) -> None:
    stream_id = f"record-{uuid.uuid4()}"
    with PostgresUnitOfWork(engine) as uow:
        uow.events.append(stream_id, 0, [NewEvent("DataReceived", {}), NewEvent("DataAmended", {})])
        uow.commit()

    futures = _race(
        engine,
        lambda uow: uow.events.append(
            stream_id, 2, [NewEvent("DataAmended", {}), NewEvent("DataAmended", {})]
        ),
        "INSERT INTO events",
    )

    won, lost = _outcomes(futures)
    assert len(won) == 1
    assert all(isinstance(e, ConcurrencyConflict) and (e.expected, e.actual) == (2, 4) for e in lost)
    assert len(lost) == WRITERS - 1
    with PostgresUnitOfWork(engine) as uow:
        assert [e.version for e in uow.events.read_stream(stream_id)] == [1, 2, 3, 4]


def test_one_of_many_handlers_of_a_redelivered_event_handles_it(engine: Engine) -> None:
    event_id = str(uuid.uuid4())

    futures = _race(
        engine, lambda uow: bool(uow.inbox.mark_all_handled("processing", [event_id])), "INSERT INTO inbox"
    )

    won, lost = _outcomes(futures)
    assert lost == []
    assert sorted(won, key=bool) == [False] * (WRITERS - 1) + [True]


def test_a_writer_that_lost_the_race_for_some_versions_keeps_none_of_its_events(engine: Engine) -> None:
    stream_id, other_stream = f"record-{uuid.uuid4()}", f"record-{uuid.uuid4()}"
    with PostgresUnitOfWork(engine) as uow:
        uow.events.append(stream_id, 0, [NewEvent("DataReceived", {})])
        uow.commit()

    def loser() -> None:
        with PostgresUnitOfWork(engine) as uow:
            try:
                # Version 2 collides with the winner's; version 3 alone would have gone in.
                uow.events.append(stream_id, 1, _two_amendments())
            except ConcurrencyConflict as conflict:
                assert (conflict.expected, conflict.actual) == (1, 2)
                uow.events.append(other_stream, 0, [NewEvent("DataReceived", {})])
                uow.commit()  # the unit of work is still usable after a conflict
                return
            raise AssertionError("the loser was not told about the conflict")

    with PostgresUnitOfWork(engine) as winner, ThreadPoolExecutor(1) as pool:
        winner.events.append(stream_id, 1, [NewEvent("DataAmended", {"by": "winner"})])
        lost = pool.submit(loser)
        wait_until(lambda: _waiting_on_locks(engine, "INSERT INTO events") == 1, 30, "the loser waits")
        winner.commit()
    lost.result(timeout=30)

    with PostgresUnitOfWork(engine) as uow:
        assert [(e.version, e.data) for e in uow.events.read_stream(stream_id)] == [
            (1, {}),
            (2, {"by": "winner"}),
        ]
        assert len(uow.events.read_stream(other_stream)) == 1


def _two_amendments() -> list[NewEvent]:
    return [NewEvent("DataAmended", {"by": "loser"}), NewEvent("DataAmended", {"by": "loser"})]
