"""Erasure on in-memory adapters: the key is destroyed with DataErased in one unit of work; afterwards the
record reads without payload at any moment, refuses amendments and a second erasure, and its audit trail says
who, when and why but never what."""

from __future__ import annotations

import pytest

import contracts
from eventkit.eventstore.model import NewEvent
from ingestion_svc.application.commands import AmendRecord, EraseRecord, IngestRecord
from ingestion_svc.domain.errors import RecordErased, RecordNotFound
from tests.unit.ingestion.support import TOPIC, World, ctx

ERASER = "partner:partner123:abc"


def _ingested(world: World, payload: dict[str, object] | None = None) -> str:
    return world.handler.ingest(IngestRecord("partner123", payload or {"name": "Ada"}), ctx()).receipt.id


def test_erasure_destroys_the_key_and_queues_data_erased_for_the_current_version(world: World) -> None:
    record_id = _ingested(world)
    world.handler.amend(AmendRecord(record_id, {"name": "Ada L."}), ctx())
    receipt = world.handler.erase(EraseRecord(record_id, ERASER, "partner asked"), ctx())
    assert (receipt.id, receipt.partner_id, receipt.erased_by) == (record_id, "partner123", ERASER)
    entry = world.data_keys.entries[record_id]
    assert entry.key is None and entry.erasure is not None
    assert (entry.erasure.erased_at, entry.erasure.erased_by, entry.erasure.reason) == (
        receipt.erased_at,
        ERASER,
        "partner asked",
    )
    erased = world.published()[-1]
    assert (erased.event_type, erased.data_id, erased.partner_id, erased.record_version) == (
        "DataErased",
        record_id,
        "partner123",
        2,
    )
    assert erased.data == contracts.DataErased(receipt.erased_at, ERASER, "partner asked")
    assert world.database.outbox[-1].topic == TOPIC
    assert world.opened(world.published()[0]) is None  # the sealed versions no longer open


def test_an_erased_record_reads_without_payload_now_and_as_of_any_moment(world: World) -> None:
    record_id = _ingested(world)
    first = world.queries.get(record_id)
    assert (first.payload, first.erased_at) == ({"name": "Ada"}, None)
    receipt = world.handler.erase(EraseRecord(record_id, ERASER), ctx())
    for as_of in (None, first.received_at):
        record = world.queries.get(record_id, as_of=as_of)
        assert (record.payload, record.erased_at, record.version) == (None, receipt.erased_at, 1)


def test_an_erased_record_refuses_amendment_and_a_second_erasure(world: World) -> None:
    record_id = _ingested(world)
    receipt = world.handler.erase(EraseRecord(record_id, ERASER), ctx())
    for attempt in (
        lambda: world.handler.amend(AmendRecord(record_id, {"name": "back"}), ctx()),
        lambda: world.handler.erase(EraseRecord(record_id, ERASER), ctx()),
    ):
        with pytest.raises(RecordErased) as info:
            attempt()
        assert info.value.erased_at == receipt.erased_at
    assert [e.event_type for e in world.published()] == ["DataIngested", "DataErased"]


def test_another_partner_cannot_erase_a_record_which_stays_readable(world: World) -> None:
    record_id = _ingested(world)
    with pytest.raises(RecordNotFound):
        world.handler.erase(EraseRecord(record_id, "partner:partner456:x", partner_id="partner456"), ctx())
    assert world.key(record_id) is not None
    assert world.queries.get(record_id).payload == {"name": "Ada"}
    assert [e.event_type for e in world.published()] == ["DataIngested"]


def test_the_audit_trail_never_shows_a_payload_and_says_who_when_and_why(world: World) -> None:
    record_id = _ingested(world, {"secret": "marker-71"})
    world.handler.amend(AmendRecord(record_id, {"secret": "marker-72"}), ctx())
    receipt = world.handler.erase(EraseRecord(record_id, ERASER, "gdpr"), ctx())
    trail = world.queries.history(record_id)
    assert [e.event_type for e in trail] == ["DataReceived", "DataAmended", "DataErased"]
    assert all(not {"payload", "sealed_payload"} & set(e.data) for e in trail)
    assert "marker-7" not in repr(trail)
    assert trail[-1].data == {
        "erased_at": receipt.erased_at.isoformat(),
        "erased_by": ERASER,
        "reason": "gdpr",
    }


def test_a_replay_of_the_request_that_created_an_erased_record_answers_as_first_answered(
    world: World,
) -> None:
    first = world.handler.ingest(IngestRecord("partner123", {"name": "Ada"}), ctx("key-1"))
    world.handler.erase(EraseRecord(first.receipt.id, ERASER), ctx())
    again = world.handler.ingest(IngestRecord("partner123", {"name": "Ada"}), ctx("key-1"))
    assert (again.receipt, again.replayed) == (first.receipt, True)
    # What the idempotency store kept is the receipt: ids, version and times, never the payload.
    [outcome] = world.outcomes.values()
    assert set(outcome.result) == {"id", "partner_id", "version", "received_at", "updated_at"}


def test_each_record_of_a_batch_gets_its_own_key(world: World) -> None:
    outcome = world.handler.ingest_batch([IngestRecord("p", {"i": i}) for i in range(3)], ctx())
    keys = [world.key(r.id) for r in outcome.receipts]
    assert all(keys) and len({k.secret for k in keys if k}) == 3
    assert [world.opened(e) for e in world.published()] == [{"i": 0}, {"i": 1}, {"i": 2}]


def test_the_key_store_answers_live_erased_and_unknown_records(world: World) -> None:
    live, erased = _ingested(world), _ingested(world)
    world.handler.erase(EraseRecord(erased, ERASER), ctx())
    unknown = "00000000-0000-0000-0000-000000000000"
    answer = world.queries.data_keys([live, erased, unknown, live])
    assert (list(answer.keys), answer.erased, answer.unknown) == ([live], [erased], [unknown])
    assert answer.keys[live] == world.key(live)


def test_a_record_stored_before_data_keys_reads_plain_gets_a_key_when_amended_and_can_be_erased(
    world: World,
) -> None:
    record_id = "11111111-1111-1111-1111-111111111111"
    plain = {"partner_id": "partner123", "payload": {"name": "Old"}, "external_id": None}
    with world.new_uow() as uow:
        uow.events.append(record_id, 0, [NewEvent("DataReceived", plain, occurred_at=world.clock())])
        uow.commit()
    assert world.queries.get(record_id).payload == {"name": "Old"}
    world.handler.amend(AmendRecord(record_id, {"name": "New"}), ctx())
    assert world.opened(world.published()[0]) == {"name": "New"}
    assert world.queries.get(record_id).payload == {"name": "New"}
    world.handler.erase(EraseRecord(record_id, ERASER), ctx())
    assert world.queries.get(record_id).payload is None
    assert world.queries.data_keys([record_id]).erased == [record_id]
