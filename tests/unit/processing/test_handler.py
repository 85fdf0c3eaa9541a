"""The use case on in-memory adapters: steps, inbox and DataProcessed together; redelivery is a no-op."""

from __future__ import annotations

import uuid

import pytest

from contracts import DataProcessed, IntegrationEvent, decode, new_event
from eventkit.eventstore.errors import StoreUnavailable
from eventkit.eventstore.memory import InMemoryDatabase
from eventkit.sealing.keys import MemoryKeyStore
from processing_svc.adapters.memory import Claims, InMemoryProcessingUnitOfWork
from processing_svc.application.handler import ProcessRecord
from processing_svc.domain.pipeline import Pipeline, default_steps
from processing_svc.domain.steps.quality import ExpectedFields
from tests.unit.processing.support import ingested, mixed_deliveries

TOPIC = "persistent://public/default/data-processed"


class Harness:
    def __init__(self) -> None:
        self.database = InMemoryDatabase()
        self.claims: Claims = {}
        pipeline = Pipeline(default_steps(ExpectedFields(("name",))))
        self.keys = MemoryKeyStore()
        self.handle = ProcessRecord(self.uow, pipeline, TOPIC, self.keys)

    def uow(self) -> InMemoryProcessingUnitOfWork:
        return InMemoryProcessingUnitOfWork(self.database, self.claims)

    def published(self) -> list[IntegrationEvent]:
        return [decode(message.payload) for message in self.database.outbox]

    def processed(self, data_id: str) -> list[DataProcessed]:
        found = [e.data for e in self.published() if e.data_id == data_id]
        return [data for data in found if isinstance(data, DataProcessed)]


@pytest.fixture
def harness() -> Harness:
    return Harness()


def test_records_each_step_and_publishes_data_processed(harness: Harness) -> None:
    event = ingested({"name": " Ada ", "age": 36})
    harness.handle(event)
    stored = harness.database.events
    assert [e.event_type for e in stored] == ["StepSucceeded"] * 4
    assert [e.data["step"] for e in stored] == ["normalize", "enrich", "fingerprint", "quality"]
    assert all(e.stream_id == event.data_id and e.metadata["causation_id"] == event.event_id for e in stored)
    [out] = harness.published()
    assert (out.data_id, out.partner_id, out.record_version) == (event.data_id, "partner123", 1)
    assert out.causation_id == event.event_id and out.correlation_id == event.correlation_id
    assert isinstance(out.data, DataProcessed) and out.data.status == "processed"
    assert out.data.result is not None and out.data.result["payload"] == {"age": 36, "name": "Ada"}
    assert [s.status for s in out.data.steps] == ["succeeded"] * 4
    assert ("processing_svc", event.event_id) in harness.database.handled


def test_a_redelivery_has_no_second_effect(harness: Harness) -> None:
    event = ingested({"name": "Ada"})
    harness.handle(event)
    harness.handle(event)
    assert len(harness.database.events) == 4
    assert len(harness.published()) == 1


def test_the_same_version_under_a_new_event_id_is_not_processed_again(harness: Harness) -> None:
    event = ingested({"name": "Ada"})
    harness.handle(event)
    harness.handle(ingested({"name": "Ada"}, data_id=event.data_id))
    assert len(harness.database.events) == 4
    assert len(harness.published()) == 1


def test_bad_data_is_reported_as_failed_with_the_reason(harness: Harness) -> None:
    event = ingested({"name": "Old", "age": 400})
    harness.handle(event)
    assert [e.event_type for e in harness.database.events] == [
        "StepSucceeded",
        "StepFailed",
        "StepSkipped",
        "StepSkipped",
    ]
    [data] = harness.processed(event.data_id)
    assert data.status == "failed"
    assert data.result == {"step": "enrich", "reason": "age must be a number from 0 to 150, got 400"}
    assert [s.status for s in data.steps] == ["succeeded", "failed", "skipped", "skipped"]


def test_amendments_are_processed_again_and_kept_per_version(harness: Harness) -> None:
    first = ingested({"name": "Ada"})
    harness.handle(first)
    harness.handle(ingested({"name": "Ada L."}, data_id=first.data_id, version=2))
    stored = harness.database.events
    assert [e.version for e in stored] == list(range(1, 9))
    assert [e.data["record_version"] for e in stored] == [1] * 4 + [2] * 4
    results = harness.processed(first.data_id)
    assert [r.result["payload"]["name"] for r in results if r.result] == ["Ada", "Ada L."]


def test_an_older_version_arriving_late_is_kept_apart_from_the_newer(harness: Harness) -> None:
    data_id = str(uuid.uuid4())
    harness.handle(ingested({"name": "v2"}, data_id=data_id, version=2))
    harness.handle(ingested({"name": "v1"}, data_id=data_id, version=1))
    by_version = {
        e.data["record_version"]: e for e in harness.database.events if e.data["step"] == "normalize"
    }
    assert set(by_version) == {1, 2}
    published = [e for e in harness.published() if e.data_id == data_id]
    assert [e.record_version for e in published] == [2, 1]  # each tagged, so views keep the newer


def test_duplicates_are_found_within_a_partner_not_across(harness: Harness) -> None:
    first = ingested({"name": "Ada", "age": 3})
    same_partner = ingested({"age": 3, "name": "  Ada "})
    other_partner = ingested({"name": "Ada", "age": 3}, partner_id="partner456")
    for event in (first, same_partner, other_partner):
        harness.handle(event)

    def duplicate_of(event: IntegrationEvent) -> object:
        [data] = harness.processed(event.data_id)
        assert data.result is not None
        return data.result["fingerprint"]["duplicate_of"]

    assert duplicate_of(first) is None
    assert duplicate_of(same_partner) == first.data_id
    assert duplicate_of(other_partner) is None


def test_other_event_types_are_ignored(harness: Harness) -> None:
    validated = new_event(
        "DataValidated",
        data_id=str(uuid.uuid4()),
        partner_id="p",
        record_version=1,
        data={"is_valid": True, "errors": [], "ruleset_version": "1"},
        producer="t",
        correlation_id="c",
    )
    harness.handle(validated)
    assert harness.database.events == [] and harness.database.handled == set()


def _outcome(harness: Harness) -> tuple[object, ...]:
    events = [(e.stream_id, e.version, e.event_type, e.data) for e in harness.database.events]
    published = [(e.data_id, e.record_version, e.data) for e in harness.published()]
    return events, published, harness.database.handled


def test_a_batch_leaves_what_handling_its_events_one_by_one_leaves() -> None:
    deliveries = mixed_deliveries()
    one_by_one, batched = Harness(), Harness()
    for event in deliveries:
        one_by_one.handle(event)
    batched.handle.handle_batch(deliveries)

    assert _outcome(batched) == _outcome(one_by_one)
    assert len(batched.published()) == 6  # ada v1, v2; late v2, v1; the duplicate; the failure


def test_a_batch_after_some_of_its_events_were_handled_processes_only_the_rest() -> None:
    deliveries = mixed_deliveries()
    harness, reference = Harness(), Harness()
    for event in deliveries:
        reference.handle(event)
    for event in deliveries[:3]:
        harness.handle(event)

    harness.handle.handle_batch(deliveries)  # the consumer's redelivery of a batch that half-failed

    assert _outcome(harness) == _outcome(reference)


class _OutboxDown(InMemoryProcessingUnitOfWork):
    """A unit of work whose outbox refuses the batch's messages, after its steps were appended."""

    def __enter__(self) -> _OutboxDown:
        super().__enter__()
        self.outbox = self
        return self

    def add(self, messages: object) -> None:
        raise StoreUnavailable("the outbox is down")


def test_a_batch_is_all_or_nothing(harness: Harness) -> None:
    failing = ProcessRecord(
        lambda: _OutboxDown(harness.database, harness.claims),
        Pipeline(default_steps(ExpectedFields(("name",)))),
        TOPIC,
        MemoryKeyStore(),
    )
    with pytest.raises(StoreUnavailable):
        failing.handle_batch(mixed_deliveries())

    assert harness.database.events == [] and harness.database.handled == set()
    assert harness.published() == [] and harness.claims == {}
