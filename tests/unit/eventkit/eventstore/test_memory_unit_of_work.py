"""What the in-memory fakes add to the shared contract: interleaved units of work and reads outside a block."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventkit.eventstore.errors import ConcurrencyConflict, EventStoreError
from eventkit.eventstore.memory import InMemoryDatabase, InMemoryUnitOfWork
from eventkit.eventstore.model import NewEvent
from eventkit.messaging import OutboundMessage


def _event() -> NewEvent:
    return NewEvent("DataReceived", {})


def test_of_two_interleaved_units_of_work_on_one_stream_the_second_to_commit_conflicts() -> None:
    database = InMemoryDatabase()
    first, second = InMemoryUnitOfWork(database), InMemoryUnitOfWork(database)
    with first, second:
        first.events.append("s", 0, [_event()])
        second.events.append("s", 0, [_event()])
        first.commit()
        with pytest.raises(ConcurrencyConflict) as raised:
            second.commit()

    assert (raised.value.expected, raised.value.actual) == (0, 1)
    assert [e.version for e in database.events] == [1]


def test_of_two_interleaved_handlers_of_one_event_the_second_to_commit_is_refused() -> None:
    database = InMemoryDatabase()
    event_id = str(uuid.uuid4())
    first, second = InMemoryUnitOfWork(database), InMemoryUnitOfWork(database)
    with first, second:
        assert first.inbox.mark_all_handled("c", [event_id])
        assert second.inbox.mark_all_handled("c", [event_id])
        first.commit()
        with pytest.raises(EventStoreError, match="concurrent"):
            second.commit()


def test_outside_a_block_the_stores_read_committed_state_and_refuse_writes() -> None:
    uow = InMemoryUnitOfWork()
    with uow:
        uow.events.append("s", 0, [_event()])
        uow.commit()
        uow.events.append("s", 1, [_event()])

    assert [e.version for e in uow.events.read_stream("s")] == [1]
    with pytest.raises(RuntimeError, match="inside `with uow:`"):
        uow.events.append("s", 1, [_event()])
    with pytest.raises(RuntimeError):
        uow.outbox.add([OutboundMessage("t", "k", b"", str(uuid.uuid4()))])
    with pytest.raises(RuntimeError):
        uow.inbox.mark_all_handled("c", [str(uuid.uuid4())])
    with pytest.raises(RuntimeError):
        uow.commit()


def test_a_rolled_back_position_is_never_handed_out_again() -> None:
    uow = InMemoryUnitOfWork()
    with uow:
        (dropped,) = uow.events.append("a", 0, [_event()])
    with uow:
        (kept,) = uow.events.append("b", 0, [_event()])
        uow.commit()

    assert kept.position > dropped.position


def test_the_data_kept_is_a_copy_the_caller_cannot_change_afterwards() -> None:
    data = {"items": [1]}
    uow = InMemoryUnitOfWork()
    with uow:
        uow.events.append("s", 0, [NewEvent("DataReceived", data)])
        uow.commit()
    data["items"].append(2)

    assert uow.events.read_stream("s")[0].data == {"items": [1]}


@given(st.lists(st.integers(min_value=-1, max_value=2), max_size=30))
def test_whatever_writers_expect_a_stream_stays_gapless(offsets: list[int]) -> None:
    """Appends with right and wrong expected versions leave versions 1..n, one per accepted append."""
    uow, accepted = InMemoryUnitOfWork(), 0
    for offset in offsets:
        with uow:
            try:
                uow.events.append("s", max(accepted + offset, 0), [_event()])
                uow.commit()
                accepted += 1
            except ConcurrencyConflict as conflict:
                assert conflict.actual == accepted

    assert [e.version for e in uow.events.read_stream("s")] == list(range(1, accepted + 1))
