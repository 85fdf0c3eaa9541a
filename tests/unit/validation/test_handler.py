"""The DataIngested handler on the in-memory log: one atomic, idempotent run per causing event."""

from __future__ import annotations

import pytest

from contracts import DataValidated, decode
from eventkit.sealing.keys import MemoryKeyStore
from tests.unit.validation.events import ingested
from tests.unit.validation.rule_books import shipped
from validation_svc.adapters.memory import InMemoryValidationLog
from validation_svc.application.handler import ValidateRecord

TOPIC = "persistent://public/default/data-validated"


@pytest.fixture
def log() -> InMemoryValidationLog:
    return InMemoryValidationLog()


@pytest.fixture
def handler(log: InMemoryValidationLog) -> ValidateRecord:
    return ValidateRecord(shipped(), log, TOPIC, MemoryKeyStore())


def test_a_valid_record_logs_started_and_completed_and_queues_a_valid_verdict(
    handler: ValidateRecord, log: InMemoryValidationLog
) -> None:
    event = ingested({"name": "Ada", "age": 30})
    assert handler.handle(event) is True
    entries = [recorded.entry for recorded in log.record_log(event.data_id)]
    assert [e.type for e in entries] == ["ValidationStarted", "ValidationCompleted"]
    assert {(e.causation_id, e.ruleset_version, e.record_version) for e in entries} == {
        (event.event_id, "1", 1)
    }
    assert entries[-1].detail == {"is_valid": True, "error_count": 0}
    [message] = log.outbox
    validated = decode(message.payload)
    assert isinstance(validated.data, DataValidated)
    assert validated.data == DataValidated(True, "1", ())
    assert (validated.producer, validated.causation_id) == ("validation_svc", event.event_id)
    assert (validated.correlation_id, validated.record_version) == (event.correlation_id, 1)
    assert (message.topic, message.key, message.event_id) == (TOPIC, event.data_id, validated.event_id)
    assert message.sequence_id == 1


def test_an_invalid_record_logs_each_failed_rule_and_the_errors_travel_in_the_event(
    handler: ValidateRecord, log: InMemoryValidationLog
) -> None:
    event = ingested({"age": 200}, version=3)
    handler.handle(event)
    entries = [recorded.entry for recorded in log.record_log(event.data_id)]
    assert [e.type for e in entries] == [
        "ValidationStarted",
        "RuleFailed",
        "RuleFailed",
        "ValidationCompleted",
    ]
    assert [e.detail["field"] for e in entries[1:3]] == ["name", "age"]
    validated = decode(log.outbox[0].payload)
    assert isinstance(validated.data, DataValidated)
    assert not validated.data.is_valid
    assert [(e.rule, e.field) for e in validated.data.errors] == [("required", "name"), ("range", "age")]
    assert validated.record_version == 3


def test_the_same_event_twice_has_one_effect(handler: ValidateRecord, log: InMemoryValidationLog) -> None:
    event = ingested()
    assert handler.handle(event) is True
    assert handler.handle(event) is False
    assert len(log.record_log(event.data_id)) == 2
    assert len(log.outbox) == 1


def test_a_new_version_is_validated_again(handler: ValidateRecord, log: InMemoryValidationLog) -> None:
    first = ingested()
    handler(first)
    handler(ingested({"name": ""}, data_id=first.data_id, version=2))
    versions = [recorded.entry.record_version for recorded in log.record_log(first.data_id)]
    assert versions == [1, 1, 2, 2, 2]
    assert [m.sequence_id for m in log.outbox] == [1, 2]


def test_a_batch_is_validated_in_order_and_a_redelivery_in_it_has_no_effect(
    handler: ValidateRecord, log: InMemoryValidationLog
) -> None:
    first, second = ingested({"name": "Ada", "age": 30}), ingested({"age": 200})
    assert handler.handle(first) is True
    assert handler.handle_batch([second, first]) == [True, False]
    verdicts = [decode(message.payload) for message in log.outbox]
    assert [(v.causation_id, v.data.is_valid) for v in verdicts if isinstance(v.data, DataValidated)] == [
        (first.event_id, True),
        (second.event_id, False),
    ]
    assert [message.sequence_id for message in log.outbox] == [1, 2]
