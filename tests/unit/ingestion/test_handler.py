"""Ingestion's commands on in-memory adapters: events, outbox messages, idempotency, amendments."""

from __future__ import annotations

import pytest

import contracts
from contracts import Sealed
from eventkit.sealing.cipher import keyed_content_hash, open_sealed
from eventkit.sealing.events import PAYLOAD
from ingestion_svc.application.commands import AmendRecord, IngestRecord
from ingestion_svc.domain.errors import IdempotencyKeyReused, RecordNotFound, VersionConflict
from tests.unit.ingestion.support import TOPIC, World, ctx


def test_ingest_appends_data_received_and_queues_data_ingested(world: World) -> None:
    outcome = world.handler.ingest(IngestRecord("partner123", {"name": "Ada"}, "ext-7"), ctx())
    receipt = outcome.receipt
    [stored] = world.new_uow().events.read_stream(receipt.id)
    assert (stored.event_type, stored.version) == ("DataReceived", 1)
    assert stored.metadata == {"correlation_id": "corr-1", "partner_id": "partner123"}
    key = world.key(receipt.id)
    assert key is not None and "payload" not in stored.data
    assert open_sealed(key, PAYLOAD, Sealed(**stored.data["sealed_payload"])) == {"name": "Ada"}
    [event] = world.published()
    assert (event.event_type, event.data_id, event.partner_id, event.record_version) == (
        "DataIngested",
        receipt.id,
        "partner123",
        1,
    )
    assert isinstance(event.data, contracts.DataIngested)
    assert event.data.content_hash == keyed_content_hash(key, {"name": "Ada"})
    assert (event.data.payload, world.opened(event)) == (None, {"name": "Ada"})
    assert (event.data.external_id, event.correlation_id, event.causation_id) == (
        "ext-7",
        "corr-1",
        stored.event_id,
    )
    [message] = world.database.outbox
    assert (message.topic, message.key) == (TOPIC, receipt.id)
    assert message.properties["event_type"] == "DataIngested"


def test_the_same_idempotency_key_and_body_answers_the_first_receipt(world: World) -> None:
    first = world.handler.ingest(IngestRecord("p", {"n": 1}), ctx("key-1"))
    again = world.handler.ingest(IngestRecord("p", {"n": 1}), ctx("key-1"))
    assert (again.receipt, again.replayed, first.replayed) == (first.receipt, True, False)
    assert len(world.published()) == 1


def test_the_same_key_with_another_body_is_refused_and_stores_nothing(world: World) -> None:
    world.handler.ingest(IngestRecord("p", {"n": 1}), ctx("key-1", body="b1"))
    with pytest.raises(IdempotencyKeyReused):
        world.handler.ingest(IngestRecord("p", {"n": 2}), ctx("key-1", body="b2"))
    assert len(world.published()) == 1


def test_a_batch_is_stored_in_one_transaction(world: World) -> None:
    outcome = world.handler.ingest_batch([IngestRecord("p", {"i": i}) for i in range(3)], ctx())
    assert [r.version for r in outcome.receipts] == [1, 1, 1]
    assert len({r.id for r in outcome.receipts}) == 3
    assert [e.data_id for e in world.published()] == [r.id for r in outcome.receipts]


def test_a_replayed_batch_gives_the_same_receipts(world: World) -> None:
    first = world.handler.ingest_batch([IngestRecord("p", {"i": i}) for i in range(2)], ctx("batch-1"))
    again = world.handler.ingest_batch([IngestRecord("p", {"i": i}) for i in range(2)], ctx("batch-1"))
    assert (again.receipts, again.replayed) == (first.receipts, True)
    assert len(world.published()) == 2


def test_amending_publishes_the_next_record_version(world: World) -> None:
    receipt = world.handler.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    amended = world.handler.amend(AmendRecord(receipt.id, {"n": 2}, expected_version=1), ctx())
    assert amended.version == 2
    assert [(e.record_version, world.opened(e)) for e in world.published()] == [(1, {"n": 1}), (2, {"n": 2})]


def test_a_stale_if_match_is_a_conflict_and_stores_nothing(world: World) -> None:
    receipt = world.handler.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    world.handler.amend(AmendRecord(receipt.id, {"n": 2}), ctx())
    with pytest.raises(VersionConflict) as info:
        world.handler.amend(AmendRecord(receipt.id, {"n": 3}, expected_version=1), ctx())
    assert info.value.actual == 2
    assert len(world.published()) == 2


def test_an_unchanged_amendment_adds_no_version(world: World) -> None:
    receipt = world.handler.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    assert world.handler.amend(AmendRecord(receipt.id, {"n": 1}), ctx()).version == 1
    assert len(world.published()) == 1


def test_another_partners_record_cannot_be_amended(world: World) -> None:
    receipt = world.handler.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    with pytest.raises(RecordNotFound):
        world.handler.amend(AmendRecord(receipt.id, {"n": 2}, partner_id="someone-else"), ctx())
    assert len(world.published()) == 1
