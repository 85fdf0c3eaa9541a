"""One contract for records' data keys, passed by the in-memory fake and by PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventkit.eventstore.errors import EventStoreError
from eventkit.sealing.cipher import DataKey
from ingestion_svc.adapters.memory import InMemoryIngestionUnitOfWork, InMemoryKeyTable
from ingestion_svc.adapters.postgres.unit_of_work import PostgresIngestionUnitOfWork
from ingestion_svc.application.ports import Erasure, IngestionUnitOfWork, NewDataKey, StoredKey
from tests.ingestion_db import migrated_ingestion_engine, write_kek_file
from tests.stack import StackEndpoints

NewUow = Callable[[], IngestionUnitOfWork]
ERASURE = Erasure(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), "admin:*:k1", "asked")


@pytest.fixture(params=["memory", "postgres"])
def new_uow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewUow]:
    if request.param == "memory":
        table = InMemoryKeyTable()
        yield lambda: InMemoryIngestionUnitOfWork(data_keys=table)
    else:
        stack: StackEndpoints = request.getfixturevalue("stack")
        keks = write_kek_file(tmp_path / "kek.json")
        with migrated_ingestion_engine(stack.ingestion_db_url) as engine:
            yield lambda: PostgresIngestionUnitOfWork(engine, keks)


def _stored(new_uow: NewUow, *keys: DataKey, partner: str = "p1") -> None:
    with new_uow() as uow:
        uow.keys.add([NewDataKey(partner, key) for key in keys])
        uow.commit()


def test_a_committed_key_is_found_again_and_an_unknown_record_has_none(new_uow: NewUow) -> None:
    key = DataKey.new("r1")
    _stored(new_uow, key)
    with new_uow() as uow:
        assert uow.keys.get("r1") == StoredKey("r1", "p1", key)
        assert uow.keys.get("r2") is None


def test_an_uncommitted_key_is_forgotten(new_uow: NewUow) -> None:
    with new_uow() as uow:
        uow.keys.add([NewDataKey("p1", DataKey.new("r1"))])
        assert uow.keys.get("r1") is not None  # its own writes are visible to it
    with new_uow() as uow:
        assert uow.keys.get("r1") is None


def test_a_record_has_one_key(new_uow: NewUow) -> None:
    _stored(new_uow, DataKey.new("r1"))
    with new_uow() as uow, pytest.raises(EventStoreError):
        uow.keys.add([NewDataKey("p1", DataKey.new("r1"))])


def test_get_many_answers_the_records_that_have_an_entry(new_uow: NewUow) -> None:
    keys = [DataKey.new(f"r{n}") for n in range(3)]
    _stored(new_uow, *keys)
    with new_uow() as uow:
        found = uow.keys.get_many(["r0", "r2", "absent"])
        assert uow.keys.get_many([]) == {}
    assert {i: e.key for i, e in found.items()} == {"r0": keys[0], "r2": keys[2]}


def test_erasure_destroys_the_key_and_keeps_who_when_and_why(new_uow: NewUow) -> None:
    _stored(new_uow, DataKey.new("r1"), DataKey.new("r2"))
    with new_uow() as uow:
        uow.keys.erase("r1", "p1", ERASURE)
        uow.commit()
    with new_uow() as uow:
        assert uow.keys.get("r1") == StoredKey("r1", "p1", None, ERASURE)
        assert uow.keys.get_many(["r1"])["r1"].key is None
        assert uow.keys.get("r2") is not None and uow.keys.get("r2").key is not None  # type: ignore[union-attr]


def test_an_uncommitted_erasure_leaves_the_key(new_uow: NewUow) -> None:
    key = DataKey.new("r1")
    _stored(new_uow, key)
    with new_uow() as uow:
        uow.keys.erase("r1", "p1", ERASURE)
    with new_uow() as uow:
        assert uow.keys.get("r1") == StoredKey("r1", "p1", key)


def test_erasing_a_record_without_a_key_leaves_an_erased_entry(new_uow: NewUow) -> None:
    with new_uow() as uow:
        uow.keys.erase("legacy", "p1", ERASURE)
        uow.commit()
    with new_uow() as uow:
        assert uow.keys.get("legacy") == StoredKey("legacy", "p1", None, ERASURE)


def test_a_locked_entry_makes_a_second_locker_wait_then_see_the_first_ones_write(new_uow: NewUow) -> None:
    _stored(new_uow, DataKey.new("r1"))
    locked, seen = threading.Event(), []

    def second() -> None:
        locked.wait(5)
        with new_uow() as uow:
            seen.append(uow.keys.get("r1", lock=True))

    thread = threading.Thread(target=second)
    thread.start()
    with new_uow() as uow:
        assert uow.keys.get("r1", lock=True) is not None
        locked.set()
        thread.join(0.3)  # ends at once if the second locker reads the live key instead of waiting
        assert thread.is_alive(), f"the second locker did not wait for the lock: {seen}"
        uow.keys.erase("r1", "p1", ERASURE)
        uow.commit()
    thread.join(10)
    assert [entry.erasure if entry else None for entry in seen] == [ERASURE]
