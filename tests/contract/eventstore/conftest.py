"""One harness per unit of work adapter: the in-memory fake and PostgreSQL pass the same suite."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, text

from eventkit.eventstore.memory import InMemoryDatabase, InMemoryUnitOfWork
from eventkit.eventstore.ports import UnitOfWork
from eventkit.messaging import OutboundMessage
from eventkit.postgres.engine import make_engine
from eventkit.postgres.migrations import migrate
from eventkit.postgres.relay import PostgresOutboxRelay
from eventkit.postgres.testing import temporary_schema
from eventkit.postgres.unit_of_work import PostgresUnitOfWork
from tests.stack import StackEndpoints


@dataclass
class Harness:
    """Makes units of work on one store, and shows what a relay would have published from it so far."""

    new_uow: Callable[[], UnitOfWork]
    relayed: Callable[[], list[OutboundMessage]]


class _Recorder:
    def __init__(self) -> None:
        self.messages: list[OutboundMessage] = []
        self._lock = threading.Lock()

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        with self._lock:
            self.messages.extend(messages)

    def close(self) -> None:
        pass


@pytest.fixture(scope="session")
def contract_engine(stack: StackEndpoints) -> Iterator[Engine]:
    """A migrated engine on a schema of its own in the processing database, dropped at the end."""
    with temporary_schema(stack.processing_db_url, prefix="contract") as schema:
        engine = make_engine(stack.processing_db_url, search_path=schema, pool_size=4)
        migrate(engine)
        yield engine
        engine.dispose()


def _empty(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '5s'"))  # a leaked transaction fails, not hangs
        connection.execute(text("TRUNCATE events, outbox, inbox RESTART IDENTITY"))
        connection.execute(text("UPDATE outbox_relay_state SET last_position = 0"))


def _memory_harness() -> Harness:
    database = InMemoryDatabase()
    return Harness(new_uow=lambda: InMemoryUnitOfWork(database), relayed=lambda: list(database.outbox))


def _postgres_harness(engine: Engine) -> Harness:
    _empty(engine)
    recorder = _Recorder()
    relay = PostgresOutboxRelay(engine, recorder, lock_key=1)  # relay_once only: the lock is not taken

    def relayed() -> list[OutboundMessage]:
        relay.relay_once()
        return list(recorder.messages)

    return Harness(new_uow=lambda: PostgresUnitOfWork(engine), relayed=relayed)


@pytest.fixture(params=["memory", "postgres"])
def harness(request: pytest.FixtureRequest) -> Harness:
    if request.param == "memory":
        return _memory_harness()
    return _postgres_harness(request.getfixturevalue("contract_engine"))
