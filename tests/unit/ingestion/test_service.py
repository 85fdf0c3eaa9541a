"""Ingestion's use cases on in-memory adapters: events, outbox messages, idempotency, amendments, as_of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import contracts
from eventkit.eventstore.memory import InMemoryDatabase
from ingestion_svc.adapters.memory import InMemoryIngestionUnitOfWork
from ingestion_svc.application.commands import AmendRecord, Idempotency, IngestRecord, RequestContext
from ingestion_svc.application.ports import StoredOutcome
from ingestion_svc.application.service import IngestionService
from ingestion_svc.domain.errors import IdempotencyKeyReused, RecordNotFound, VersionConflict

TOPIC = "persistent://public/default/data-ingested"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class World:
    def __init__(self) -> None:
        self.database = InMemoryDatabase()
        self.keys: dict[tuple[str, str], StoredOutcome] = {}
        self.clock = Clock()
        self.service = IngestionService(self.new_uow, TOPIC, self.clock)

    def new_uow(self) -> InMemoryIngestionUnitOfWork:
        return InMemoryIngestionUnitOfWork(self.database, self.keys)

    def published(self) -> list[contracts.IntegrationEvent]:
        return [contracts.decode(message.payload) for message in self.database.outbox]


@pytest.fixture
def world() -> World:
    return World()


def ctx(key: str | None = None, body: str = "b") -> RequestContext:
    return RequestContext("corr-1", "caller-1", Idempotency(key, body) if key else None)


def test_ingest_appends_data_received_and_queues_data_ingested(world: World) -> None:
    outcome = world.service.ingest(IngestRecord("partner123", {"name": "Ada"}, "ext-7"), ctx())
    receipt = outcome.receipt
    [stored] = world.new_uow().events.read_stream(receipt.id)
    assert (stored.event_type, stored.version, stored.data["payload"]) == ("DataReceived", 1, {"name": "Ada"})
    assert stored.metadata == {"correlation_id": "corr-1", "partner_id": "partner123"}
    [event] = world.published()
    assert (event.event_type, event.data_id, event.partner_id, event.record_version) == (
        "DataIngested",
        receipt.id,
        "partner123",
        1,
    )
    assert isinstance(event.data, contracts.DataIngested)
    assert event.data.content_hash == contracts.content_hash({"name": "Ada"})
    assert (event.data.external_id, event.correlation_id, event.causation_id) == (
        "ext-7",
        "corr-1",
        stored.event_id,
    )
    [message] = world.database.outbox
    assert (message.topic, message.key) == (TOPIC, receipt.id)
    assert message.properties["event_type"] == "DataIngested"


def test_the_same_idempotency_key_and_body_answers_the_first_receipt(world: World) -> None:
    first = world.service.ingest(IngestRecord("p", {"n": 1}), ctx("key-1"))
    again = world.service.ingest(IngestRecord("p", {"n": 1}), ctx("key-1"))
    assert (again.receipt, again.replayed, first.replayed) == (first.receipt, True, False)
    assert len(world.published()) == 1


def test_the_same_key_with_another_body_is_refused_and_stores_nothing(world: World) -> None:
    world.service.ingest(IngestRecord("p", {"n": 1}), ctx("key-1", body="b1"))
    with pytest.raises(IdempotencyKeyReused):
        world.service.ingest(IngestRecord("p", {"n": 2}), ctx("key-1", body="b2"))
    assert len(world.published()) == 1


def test_a_batch_is_stored_in_one_transaction(world: World) -> None:
    outcome = world.service.ingest_batch([IngestRecord("p", {"i": i}) for i in range(3)], ctx())
    assert [r.version for r in outcome.receipts] == [1, 1, 1]
    assert len({r.id for r in outcome.receipts}) == 3
    assert [e.data_id for e in world.published()] == [r.id for r in outcome.receipts]


def test_a_replayed_batch_gives_the_same_receipts(world: World) -> None:
    first = world.service.ingest_batch([IngestRecord("p", {"i": i}) for i in range(2)], ctx("batch-1"))
    again = world.service.ingest_batch([IngestRecord("p", {"i": i}) for i in range(2)], ctx("batch-1"))
    assert (again.receipts, again.replayed) == (first.receipts, True)
    assert len(world.published()) == 2


def test_amending_publishes_the_next_record_version(world: World) -> None:
    receipt = world.service.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    amended = world.service.amend(AmendRecord(receipt.id, {"n": 2}, expected_version=1), ctx())
    assert amended.version == 2
    assert [(e.record_version, e.data.payload) for e in world.published()] == [(1, {"n": 1}), (2, {"n": 2})]  # type: ignore[union-attr]


def test_a_stale_if_match_is_a_conflict_and_stores_nothing(world: World) -> None:
    receipt = world.service.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    world.service.amend(AmendRecord(receipt.id, {"n": 2}), ctx())
    with pytest.raises(VersionConflict) as info:
        world.service.amend(AmendRecord(receipt.id, {"n": 3}, expected_version=1), ctx())
    assert info.value.actual == 2
    assert len(world.published()) == 2


def test_an_unchanged_amendment_adds_no_version(world: World) -> None:
    receipt = world.service.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    assert world.service.amend(AmendRecord(receipt.id, {"n": 1}), ctx()).version == 1
    assert len(world.published()) == 1


def test_unknown_and_other_partners_records_are_not_found(world: World) -> None:
    receipt = world.service.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    with pytest.raises(RecordNotFound):
        world.service.get("00000000-0000-0000-0000-000000000000")
    with pytest.raises(RecordNotFound):
        world.service.get(receipt.id, partner_id="someone-else")
    with pytest.raises(RecordNotFound):
        world.service.amend(AmendRecord(receipt.id, {"n": 2}, partner_id="someone-else"), ctx())


def test_as_of_rebuilds_the_state_at_that_moment(world: World) -> None:
    receipt = world.service.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    world.service.amend(AmendRecord(receipt.id, {"n": 2}), ctx())
    assert world.service.get(receipt.id).payload == {"n": 2}
    assert world.service.get(receipt.id, as_of=receipt.received_at).payload == {"n": 1}
    with pytest.raises(RecordNotFound):
        world.service.get(receipt.id, as_of=receipt.received_at - timedelta(microseconds=1))


def test_history_lists_every_event_in_order(world: World) -> None:
    receipt = world.service.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    world.service.amend(AmendRecord(receipt.id, {"n": 2}), ctx())
    assert [(e.event_type, e.version) for e in world.service.history(receipt.id)] == [
        ("DataReceived", 1),
        ("DataAmended", 2),
    ]
