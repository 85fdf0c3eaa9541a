"""PostgreSQL out of reach: callers get StoreUnavailable, never a driver error, and the relay waits it out."""

from __future__ import annotations

import logging
import socket
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from eventkit.eventstore.errors import StoreUnavailable
from eventkit.eventstore.model import NewEvent
from eventkit.postgres.engine import make_engine
from eventkit.postgres.relay import PostgresOutboxRelay
from eventkit.postgres.unit_of_work import PostgresUnitOfWork
from tests.integration.postgres.support import DedupingBroker, random_lock_key, wait_until


@pytest.fixture
def unreachable() -> Iterator[Engine]:
    """An engine on a local port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = make_engine(f"postgresql://nobody:secret@127.0.0.1:{port}/nothing", pool_size=1)
    yield engine
    engine.dispose()


def test_opening_a_unit_of_work_on_an_unreachable_server_raises_store_unavailable(
    unreachable: Engine,
) -> None:
    with pytest.raises(StoreUnavailable) as raised, PostgresUnitOfWork(unreachable):
        pass

    assert "could not open a connection" in str(raised.value)
    assert raised.value.__cause__ is not None


def test_a_relay_cycle_on_an_unreachable_server_raises_store_unavailable(unreachable: Engine) -> None:
    with pytest.raises(StoreUnavailable):
        PostgresOutboxRelay(unreachable, DedupingBroker(), lock_key=random_lock_key()).relay_once()


def test_a_connection_lost_mid_block_raises_store_unavailable_and_keeps_nothing(engine: Engine) -> None:
    stream_id = f"record-{uuid.uuid4()}"
    with pytest.raises(StoreUnavailable), PostgresUnitOfWork(engine) as uow:
        uow.events.append(stream_id, 0, [NewEvent("DataReceived", {})])
        pid = uow.connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        uow.events.append(stream_id, 1, [NewEvent("DataAmended", {})])

    with PostgresUnitOfWork(engine) as uow:
        assert uow.events.read_stream(stream_id) == []


def test_a_commit_on_a_lost_connection_raises_store_unavailable(engine: Engine) -> None:
    stream_id = f"record-{uuid.uuid4()}"
    with PostgresUnitOfWork(engine) as uow:
        uow.events.append(stream_id, 0, [NewEvent("DataReceived", {})])
        pid = uow.connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

        with pytest.raises(StoreUnavailable):
            uow.commit()


def test_a_relay_without_a_database_keeps_trying_and_says_what_to_do(
    unreachable: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    relay = PostgresOutboxRelay(
        unreachable, DedupingBroker(), lock_key=random_lock_key(), standby_retry_s=0.05
    )
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    with caplog.at_level(logging.WARNING, logger="eventkit.postgres.relay"):
        thread.start()
        wait_until(lambda: len(caplog.records) >= 3, 10, "the relay warned three times")
        assert thread.is_alive()
        stop.set()
        thread.join(timeout=10)

    assert not thread.is_alive()
    assert all("PostgreSQL" in r.getMessage() and "DATABASE_URL" in r.getMessage() for r in caplog.records)
