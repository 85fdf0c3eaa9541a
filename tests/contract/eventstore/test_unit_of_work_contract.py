"""UnitOfWork, Outbox and Inbox semantics every adapter must have: all or nothing, relay after commit."""

from __future__ import annotations

import uuid

import pytest

from eventkit.eventstore.errors import EventStoreError
from eventkit.eventstore.model import NewEvent
from eventkit.messaging import OutboundMessage
from tests.contract.eventstore.conftest import Harness

TOPIC = "persistent://public/default/data-ingested"


def _message(key: str = "record-1", body: bytes = b"{}") -> OutboundMessage:
    return OutboundMessage(
        topic=TOPIC,
        key=key,
        payload=body,
        event_id=str(uuid.uuid4()),
        properties={"event_type": "DataIngested", "schema_version": "1"},
        sequence_id=99,  # ignored: the relay numbers messages
    )


def _stream() -> str:
    return f"record-{uuid.uuid4()}"


def test_leaving_the_block_without_commit_discards_events_and_messages(harness: Harness) -> None:
    stream_id = _stream()
    with harness.new_uow() as uow:
        uow.events.append(stream_id, 0, [NewEvent("DataReceived", {})])
        uow.outbox.add([_message()])

    with harness.new_uow() as uow:
        assert uow.events.read_stream(stream_id) == []
    assert harness.relayed() == []


def test_an_exception_in_the_block_discards_everything(harness: Harness) -> None:
    stream_id = _stream()
    with pytest.raises(RuntimeError, match="boom"), harness.new_uow() as uow:
        uow.events.append(stream_id, 0, [NewEvent("DataReceived", {})])
        uow.outbox.add([_message()])
        raise RuntimeError("boom")

    with harness.new_uow() as uow:
        assert uow.events.read_stream(stream_id) == []
    assert harness.relayed() == []


def test_commit_makes_events_and_messages_visible_together(harness: Harness) -> None:
    stream_id = _stream()
    message = _message(key=stream_id, body=b'{"payload": 1}')
    with harness.new_uow() as uow:
        uow.events.append(stream_id, 0, [NewEvent("DataReceived", {"a": 1})])
        uow.outbox.add([message])
        uow.commit()

    with harness.new_uow() as uow:
        assert [e.data for e in uow.events.read_stream(stream_id)] == [{"a": 1}]
    (relayed,) = harness.relayed()
    assert relayed.topic == TOPIC
    assert (relayed.key, relayed.payload, relayed.event_id) == (
        stream_id,
        b'{"payload": 1}',
        message.event_id,
    )
    assert dict(relayed.properties) == dict(message.properties)
    assert relayed.sequence_id == 1


def test_the_relay_sees_a_message_only_once_its_transaction_commits(harness: Harness) -> None:
    with harness.new_uow() as uow:
        uow.outbox.add([_message()])
        assert harness.relayed() == []
        uow.commit()
        assert [m.sequence_id for m in harness.relayed()] == [1]


def test_messages_are_relayed_in_commit_order_with_consecutive_sequence_ids(harness: Harness) -> None:
    first, second, third = _message("a"), _message("b"), _message("c")
    with harness.new_uow() as uow:
        uow.outbox.add([first, second])
        uow.commit()
    with harness.new_uow() as uow:
        uow.outbox.add([third])
        uow.commit()

    relayed = harness.relayed()

    assert [m.event_id for m in relayed] == [first.event_id, second.event_id, third.event_id]
    assert [m.sequence_id for m in relayed] == [1, 2, 3]


def test_work_after_a_commit_is_a_new_transaction_that_exit_rolls_back(harness: Harness) -> None:
    kept, dropped = _stream(), _stream()
    with harness.new_uow() as uow:
        uow.events.append(kept, 0, [NewEvent("DataReceived", {})])
        uow.commit()
        uow.events.append(dropped, 0, [NewEvent("DataReceived", {})])

    with harness.new_uow() as uow:
        assert len(uow.events.read_stream(kept)) == 1
        assert uow.events.read_stream(dropped) == []


def test_the_inbox_reports_a_redelivery(harness: Harness) -> None:
    event_id = str(uuid.uuid4())
    with harness.new_uow() as uow:
        assert uow.inbox.mark_all_handled("processing", [event_id]) == [event_id]
        assert uow.inbox.mark_all_handled("processing", [event_id]) == []
        uow.commit()

    with harness.new_uow() as uow:
        assert uow.inbox.mark_all_handled("processing", [event_id.upper()]) == []
        assert uow.inbox.mark_all_handled("query", [event_id]) == [event_id]


def test_the_inbox_marks_many_at_once_and_names_the_new_ones(harness: Harness) -> None:
    seen, first, second = (str(uuid.uuid4()) for _ in range(3))
    with harness.new_uow() as uow:
        uow.inbox.mark_all_handled("processing", [seen])
        uow.commit()

    with harness.new_uow() as uow:
        given = [second.upper(), seen, first, second]
        assert uow.inbox.mark_all_handled("processing", given) == [second.upper(), first]
        assert uow.inbox.mark_all_handled("processing", [first]) == []
        assert uow.inbox.mark_all_handled("query", [first]) == [first]
        assert uow.inbox.mark_all_handled("processing", []) == []
        uow.commit()

    with harness.new_uow() as uow:
        assert uow.inbox.mark_all_handled("processing", [second]) == []


def test_a_rolled_back_inbox_mark_is_forgotten(harness: Harness) -> None:
    event_id = str(uuid.uuid4())
    with harness.new_uow() as uow:
        assert uow.inbox.mark_all_handled("processing", [event_id]) == [event_id]

    with harness.new_uow() as uow:
        assert uow.inbox.mark_all_handled("processing", [event_id]) == [event_id]


def test_a_refused_write_aborts_the_transaction_and_commit_says_so(harness: Harness) -> None:
    stream_id = _stream()
    duplicate = _message()
    with harness.new_uow() as uow:
        uow.outbox.add([duplicate])
        uow.commit()

    with harness.new_uow() as uow:
        uow.events.append(stream_id, 0, [NewEvent("DataReceived", {})])
        with pytest.raises(EventStoreError):
            uow.outbox.add([duplicate])
        with pytest.raises(EventStoreError, match="aborted"):
            uow.commit()

    with harness.new_uow() as uow:
        assert uow.events.read_stream(stream_id) == []
    assert len(harness.relayed()) == 1


def test_an_event_id_is_stored_once(harness: Harness) -> None:
    event = NewEvent("DataReceived", {})
    with harness.new_uow() as uow:
        uow.events.append(_stream(), 0, [event])
        uow.commit()

    with harness.new_uow() as uow, pytest.raises(EventStoreError):
        uow.events.append(_stream(), 0, [event])


def test_a_unit_of_work_cannot_be_opened_twice_at_once(harness: Harness) -> None:
    uow = harness.new_uow()
    with uow, pytest.raises(RuntimeError, match="already open"), uow:
        pass

    with uow:  # usable again once the first block is left
        assert len(uow.inbox.mark_all_handled("c", [str(uuid.uuid4())])) == 1


def test_messages_with_unstorable_fields_are_refused(harness: Harness) -> None:
    with harness.new_uow() as uow:
        with pytest.raises(ValueError):
            uow.outbox.add([OutboundMessage(TOPIC, "k", b"", event_id="not-a-uuid")])
        with pytest.raises(ValueError):
            uow.outbox.add([OutboundMessage(TOPIC, "k", b"", str(uuid.uuid4()), {"p": "nul\x00"})])
        with pytest.raises(ValueError):
            uow.inbox.mark_all_handled("c", ["not-a-uuid"])
        uow.outbox.add([])
        uow.commit()
    assert harness.relayed() == []
