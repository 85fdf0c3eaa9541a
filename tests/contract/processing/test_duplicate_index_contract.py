"""One contract for the duplicate index, passed by the in-memory fake and by PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from eventkit.eventstore.memory import InMemoryDatabase
from processing_svc.adapters.memory import Claims, InMemoryProcessingUnitOfWork
from processing_svc.adapters.postgres.unit_of_work import PostgresProcessingUnitOfWork
from processing_svc.application.ports import ProcessingUnitOfWork
from tests.processing_db import migrated_processing_engine
from tests.stack import StackEndpoints

NewUow = Callable[[], ProcessingUnitOfWork]


def _first(uow: ProcessingUnitOfWork, partner_id: str, fingerprint: str, data_id: str) -> str:
    """One claim on its own."""
    [holder] = uow.duplicates.first_with_many([(partner_id, fingerprint, data_id)])
    return holder


@pytest.fixture(params=["memory", "postgres"])
def new_uow(request: pytest.FixtureRequest) -> Iterator[NewUow]:
    if request.param == "memory":
        database, claims = InMemoryDatabase(), Claims()
        yield lambda: InMemoryProcessingUnitOfWork(database, claims)
    else:
        stack: StackEndpoints = request.getfixturevalue("stack")
        with migrated_processing_engine(stack.processing_db_url, pool_size=2) as engine:
            yield lambda: PostgresProcessingUnitOfWork(engine)


def test_the_first_claim_holds_the_fingerprint(new_uow: NewUow) -> None:
    with new_uow() as uow:
        assert _first(uow, "p", "f", "r1") == "r1"
        assert _first(uow, "p", "f", "r2") == "r1"
        uow.commit()
    with new_uow() as uow:
        assert _first(uow, "p", "f", "r3") == "r1"


def test_fingerprints_are_per_partner(new_uow: NewUow) -> None:
    with new_uow() as uow:
        _first(uow, "p1", "f", "r1")
        assert _first(uow, "p2", "f", "r2") == "r2"
        assert _first(uow, "p1", "g", "r3") == "r3"
        uow.commit()


def test_a_rolled_back_claim_is_forgotten(new_uow: NewUow) -> None:
    with new_uow() as uow:
        _first(uow, "p", "f", "r1")
    with new_uow() as uow:
        assert _first(uow, "p", "f", "r2") == "r2"


def test_a_claim_commits_with_the_inbox_mark(new_uow: NewUow) -> None:
    with new_uow() as uow:
        _first(uow, "p", "f", "r1")
        assert uow.inbox.mark_all_handled("c", ["2d4c1a6e-0b7e-4d8c-9a35-1f4a3e6b9c01"])
        uow.commit()
    with new_uow() as uow:
        assert not uow.inbox.mark_all_handled("c", ["2d4c1a6e-0b7e-4d8c-9a35-1f4a3e6b9c01"])
        assert _first(uow, "p", "f", "r2") == "r1"


def test_within_a_batch_the_earlier_claim_of_a_key_wins_whatever_the_keys_order(new_uow: NewUow) -> None:
    with new_uow() as uow:
        claims = [("p", "z", "r1"), ("p", "a", "r2"), ("p", "z", "r3"), ("p", "a", "r4")]
        assert uow.duplicates.first_with_many(claims) == ["r1", "r2", "r1", "r2"]
        uow.commit()
    with new_uow() as uow:
        assert _first(uow, "p", "z", "r5") == "r1"


def test_a_batch_mixes_keys_held_before_with_new_ones(new_uow: NewUow) -> None:
    with new_uow() as uow:
        _first(uow, "p", "f", "r1")
        uow.commit()
    with new_uow() as uow:
        claims = [("p", "g", "r2"), ("p", "f", "r3"), ("q", "f", "r4"), ("p", "g", "r5")]
        assert uow.duplicates.first_with_many(claims) == ["r2", "r1", "r4", "r2"]


def test_an_empty_batch_claims_nothing(new_uow: NewUow) -> None:
    with new_uow() as uow:
        assert uow.duplicates.first_with_many([]) == []


def test_released_records_lose_their_fingerprints_and_others_keep_theirs(new_uow: NewUow) -> None:
    with new_uow() as uow:
        uow.duplicates.first_with_many(
            [("p", "f", "r1"), ("p", "g", "r1"), ("q", "f", "r1"), ("p", "h", "r2")]
        )
        uow.commit()
    with new_uow() as uow:
        uow.duplicates.release([("p", "r1")])
        uow.commit()
    with new_uow() as uow:
        claims = [("p", "f", "r3"), ("p", "g", "r3"), ("q", "f", "r3"), ("p", "h", "r3")]
        assert uow.duplicates.first_with_many(claims) == ["r3", "r3", "r1", "r2"]


def test_a_rolled_back_release_keeps_the_fingerprints(new_uow: NewUow) -> None:
    with new_uow() as uow:
        _first(uow, "p", "f", "r1")
        uow.commit()
    with new_uow() as uow:
        uow.duplicates.release([("p", "r1")])
    with new_uow() as uow:
        assert _first(uow, "p", "f", "r2") == "r1"


def test_a_claim_released_in_its_own_transaction_is_gone(new_uow: NewUow) -> None:
    with new_uow() as uow:
        _first(uow, "p", "f", "r1")
        uow.duplicates.release([("p", "r1"), ("p", "r9")])
        uow.commit()
    with new_uow() as uow:
        assert _first(uow, "p", "f", "r2") == "r2"
