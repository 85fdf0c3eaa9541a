"""Sealed events on the wire: the payload and processing details travel sealed and open only with the key."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts import (
    DataIngested,
    DataProcessed,
    DataValidated,
    IntegrationEvent,
    ProcessingStep,
    decode,
    encode,
    new_event,
)
from eventkit.sealing.cipher import DataKey, SealBroken
from eventkit.sealing.events import ingested_payload, opened_processed, sealed_ingested, sealed_processed
from eventkit.sealing.keys import KeyLookup

RECORD = str(uuid.uuid4())
PAYLOAD = {"name": "Lucía Fernández", "age": 41, "tags": ["vip"], "address": {"city": "Sevilla"}}
RECEIVED_AT = datetime(2026, 12, 8, 10, 14, 2, 113870, tzinfo=UTC)
GOLDEN_V1 = Path(__file__).resolve().parents[3] / "fixtures" / "events" / "v1"


def _event(event_type: str, data: DataIngested | DataProcessed | DataValidated) -> IntegrationEvent:
    return new_event(
        event_type,
        data_id=RECORD,
        partner_id="acme-logistics",
        record_version=1,
        data=data,
        producer="test",
        correlation_id="req-1",
    )


def _published_ingested(key: DataKey) -> tuple[bytes, IntegrationEvent]:
    raw = encode(_event("DataIngested", sealed_ingested(key, PAYLOAD, RECEIVED_AT, "ext-1")))
    return raw, decode(raw)


def test_a_sealed_payload_opens_with_the_records_key_after_the_wire() -> None:
    key = DataKey.new(RECORD)

    _, event = _published_ingested(key)

    assert ingested_payload(event, KeyLookup({RECORD: key})) == PAYLOAD
    assert isinstance(event.data, DataIngested)
    assert event.data.external_id == "ext-1" and event.data.received_at == RECEIVED_AT


def test_the_wire_form_holds_no_byte_of_the_payload() -> None:
    raw, _ = _published_ingested(DataKey.new(RECORD))
    wire = json.loads(raw)

    assert wire["data"]["payload"] is None
    assert wire["data"]["content_hash"].startswith("hmac-sha256:")
    for text in ("Lucía", "Fernández", "Sevilla", "vip", "address"):
        assert text.encode() not in raw and json.dumps(text).encode() not in raw


@pytest.mark.parametrize(
    "lookup",
    [
        KeyLookup(),
        KeyLookup(erased=frozenset({RECORD})),
        KeyLookup({"another-record": DataKey.new("another-record")}),
    ],
    ids=["unknown", "erased", "other records only"],
)
def test_without_the_records_key_the_payload_is_none(lookup: KeyLookup) -> None:
    _, event = _published_ingested(DataKey.new(RECORD))

    assert ingested_payload(event, lookup) is None


def test_another_key_for_the_record_breaks_the_seal_rather_than_reading_as_erased() -> None:
    _, event = _published_ingested(DataKey.new(RECORD))

    with pytest.raises(SealBroken):
        ingested_payload(event, KeyLookup({RECORD: DataKey.new(RECORD)}))


def test_a_plain_legacy_event_passes_through_without_any_key() -> None:
    event = decode((GOLDEN_V1 / "data_ingested.json").read_bytes())
    assert isinstance(event.data, DataIngested)

    assert ingested_payload(event, KeyLookup()) == event.data.payload
    assert ingested_payload(event, KeyLookup(erased=frozenset({event.data_id}))) == event.data.payload


def test_only_data_ingested_has_a_payload() -> None:
    event = _event("DataValidated", DataValidated(True, "rules-1"))

    with pytest.raises(TypeError, match="expected DataIngested, got DataValidated"):
        ingested_payload(event, KeyLookup())


PROCESSED = DataProcessed(
    status="processed",
    pipeline_version="2026.12.0",
    result={"age_group": "adult", "name": "Lucía Fernández"},
    steps=(
        ProcessingStep("normalize", "1.0", "succeeded", {"trimmed": ["name"]}),
        ProcessingStep("enrich", "1.1", "succeeded", {"age_group": "adult"}),
        ProcessingStep("notify", "0.1", "skipped"),
    ),
)


def test_sealed_processing_details_open_as_they_were_after_the_wire() -> None:
    key = DataKey.new(RECORD)
    event = decode(encode(_event("DataProcessed", sealed_processed(key, PROCESSED))))
    assert isinstance(event.data, DataProcessed)

    assert opened_processed(event.data, key) == PROCESSED
    assert opened_processed(event.data, None) is None


def test_the_sealed_wire_form_holds_no_plain_result_or_step_detail() -> None:
    raw = encode(_event("DataProcessed", sealed_processed(DataKey.new(RECORD), PROCESSED)))
    data = json.loads(raw)["data"]

    assert data["result"] is None
    assert [step["extra"] for step in data["steps"]] == [{}, {}, {}]
    assert [(s["name"], s["version"], s["status"]) for s in data["steps"]] == [
        (s.name, s.version, s.status) for s in PROCESSED.steps
    ]
    for text in ("adult", "Lucía", "trimmed", "age_group"):
        assert text.encode() not in raw


def test_plain_processing_details_pass_through_with_or_without_a_key() -> None:
    assert opened_processed(PROCESSED, None) is PROCESSED
    assert opened_processed(PROCESSED, DataKey.new(RECORD)) is PROCESSED


def test_processing_details_do_not_open_under_another_records_key_or_as_a_payload() -> None:
    key = DataKey.new(RECORD)
    sealed = sealed_processed(key, PROCESSED)

    with pytest.raises(SealBroken):
        opened_processed(sealed, DataKey("another-record", key.secret))
    moved = sealed_ingested(key, PAYLOAD, RECEIVED_AT, None)
    assert moved.sealed_payload is not None
    with pytest.raises(SealBroken):  # a sealed payload moved into the details is refused by its purpose
        opened_processed(dataclasses.replace(sealed, sealed_details=moved.sealed_payload), key)


def test_details_sealed_for_other_steps_are_refused() -> None:
    key = DataKey.new(RECORD)
    sealed = sealed_processed(key, PROCESSED)
    fewer = dataclasses.replace(sealed, steps=sealed.steps[:2])

    with pytest.raises(TypeError, match="do not match its steps"):
        opened_processed(fewer, key)
