"""One contract for idempotency keys, passed by the in-memory fake and by PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingestion_svc.adapters.memory import InMemoryIngestionUnitOfWork
from ingestion_svc.adapters.postgres.unit_of_work import PostgresIngestionUnitOfWork
from ingestion_svc.application.ports import IngestionUnitOfWork, StoredOutcome
from tests.ingestion_db import migrated_ingestion_engine, write_kek_file
from tests.stack import StackEndpoints

NewUow = Callable[[], IngestionUnitOfWork]


@pytest.fixture(params=["memory", "postgres"])
def new_uow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewUow]:
    if request.param == "memory":
        outcomes: dict[tuple[str, str], StoredOutcome] = {}
        lock = threading.Lock()
        yield lambda: InMemoryIngestionUnitOfWork(outcomes=outcomes, key_lock=lock)
    else:
        stack: StackEndpoints = request.getfixturevalue("stack")
        keks = write_kek_file(tmp_path / "kek.json")
        with migrated_ingestion_engine(stack.ingestion_db_url) as engine:
            yield lambda: PostgresIngestionUnitOfWork(engine, keks)


OUTCOME = StoredOutcome("hash-1", {"id": "r1", "version": 1})


def test_an_unknown_key_has_no_outcome(new_uow: NewUow) -> None:
    with new_uow() as uow:
        assert uow.idempotency.claim("caller", "k") is None


def test_a_committed_outcome_is_found_again(new_uow: NewUow) -> None:
    with new_uow() as uow:
        uow.idempotency.claim("caller", "k")
        uow.idempotency.save("caller", "k", OUTCOME)
        uow.commit()
    with new_uow() as uow:
        assert uow.idempotency.claim("caller", "k") == OUTCOME
        assert uow.idempotency.claim("other-caller", "k") is None


def test_an_uncommitted_outcome_is_forgotten(new_uow: NewUow) -> None:
    with new_uow() as uow:
        uow.idempotency.claim("caller", "k")
        uow.idempotency.save("caller", "k", OUTCOME)
    with new_uow() as uow:
        assert uow.idempotency.claim("caller", "k") is None


def test_a_concurrent_claim_waits_for_the_first_and_then_sees_its_outcome(new_uow: NewUow) -> None:
    claimed, seen = threading.Event(), []

    def second() -> None:
        claimed.wait(5)
        with new_uow() as uow:
            seen.append(uow.idempotency.claim("caller", "k"))

    thread = threading.Thread(target=second)
    thread.start()
    with new_uow() as uow:
        assert uow.idempotency.claim("caller", "k") is None
        claimed.set()
        time.sleep(0.3)  # give the second claim time to reach the lock; it must wait, not read None
        uow.idempotency.save("caller", "k", OUTCOME)
        uow.commit()
    thread.join(10)
    assert seen == [OUTCOME]
