"""Producers build events with new_event and encode them; both refuse what consumers could not read."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from contracts import (
    REGISTRY,
    DataErased,
    DataIngested,
    DataProcessed,
    DataValidated,
    IntegrationEvent,
    InvalidEvent,
    ProcessingStep,
    RuleViolation,
    Sealed,
    content_hash,
    decode,
    encode,
    follow_up_event,
    new_event,
)

DATA_ID = uuid.UUID("09b9c33e-836e-436c-9d6b-f4b6285cac45")
RECEIVED_AT = datetime(2025, 3, 14, 9, 26, 53, 581204, tzinfo=UTC)
PAYLOAD = {"order_id": "PO-1", "total": 12.5}
SEALED = Sealed(nonce="AAECAwQFBgcICQoL", ciphertext="c2VhbGVkIGJ5dGVzIGFuZCB0YWc=")
KEYED_HASH = "hmac-sha256:" + "0f" * 32


def _ingested(**overrides: object) -> IntegrationEvent:
    arguments: dict[str, object] = {
        "data_id": DATA_ID,
        "partner_id": "acme-logistics",
        "record_version": 1,
        "data": DataIngested(PAYLOAD, RECEIVED_AT, content_hash(PAYLOAD), external_id="PO-1"),
        "producer": "ingestion_svc",
        "correlation_id": "req-1",
    }
    return new_event("DataIngested", **{**arguments, **overrides})  # type: ignore[arg-type]


def test_a_new_event_gets_a_fresh_id_the_current_time_and_the_latest_version() -> None:
    before = datetime.now(UTC)

    event = _ingested()

    assert uuid.UUID(event.event_id).version == 4
    assert before <= event.occurred_at <= datetime.now(UTC)
    assert event.schema_version == REGISTRY["DataIngested"].latest_version == 2
    assert event.data_id == str(DATA_ID)
    assert event.causation_id is None


def test_a_follow_up_event_is_about_the_same_record_version_and_caused_by_its_cause() -> None:
    cause = _ingested(record_version=3)

    event = follow_up_event(cause, DataValidated(True, "v1"), "validation_svc")

    assert (event.event_type, event.producer, event.data) == (
        "DataValidated",
        "validation_svc",
        DataValidated(True, "v1"),
    )
    assert (event.data_id, event.partner_id, event.record_version) == (cause.data_id, "acme-logistics", 3)
    assert (event.correlation_id, event.causation_id) == ("req-1", cause.event_id)
    assert event.event_id != cause.event_id


def test_two_new_events_never_share_an_id() -> None:
    assert _ingested().event_id != _ingested().event_id


def test_a_new_event_survives_encoding_unchanged() -> None:
    event = _ingested(causation_id="c072fedf-7579-4318-b6d0-61315971fed9")

    assert decode(encode(event)) == event


def test_data_may_be_given_as_a_mapping_in_wire_form() -> None:
    fixed = {"event_id": uuid.uuid4(), "occurred_at": RECEIVED_AT + timedelta(seconds=1)}
    wire_data = {
        "payload": PAYLOAD,
        "received_at": "2025-03-14T09:26:53.581204Z",
        "external_id": "PO-1",
        "content_hash": content_hash(PAYLOAD),
    }

    assert _ingested(data=wire_data, **fixed) == _ingested(**fixed)


def test_given_ids_and_times_are_normalized() -> None:
    event_id = uuid.UUID("C072FEDF-7579-4318-B6D0-61315971FED9")
    madrid = timezone(timedelta(hours=1))

    event = _ingested(event_id=event_id, occurred_at=datetime(2025, 3, 14, 10, 26, 53, tzinfo=madrid))

    assert event.event_id == "c072fedf-7579-4318-b6d0-61315971fed9"
    assert json.loads(encode(event))["occurred_at"] == "2025-03-14T09:26:53.000000Z"


def test_every_event_type_can_be_built() -> None:
    common = {"data_id": DATA_ID, "partner_id": "p", "record_version": 2, "correlation_id": "req-2"}
    validated = new_event(
        "DataValidated",
        data=DataValidated(False, "rules-7", (RuleViolation("required", "email", "email is required"),)),
        producer="validation_svc",
        **common,  # type: ignore[arg-type]
    )
    processed = new_event(
        "DataProcessed",
        data=DataProcessed(
            "failed", "pipe-3", None, (ProcessingStep("enrich", "1.0", "failed", {"code": 7}),)
        ),
        producer="processing_svc",
        **common,  # type: ignore[arg-type]
    )

    sealed_ingested = new_event(
        "DataIngested",
        data=DataIngested(None, RECEIVED_AT, KEYED_HASH, "PO-1", SEALED),
        producer="ingestion_svc",
        **common,  # type: ignore[arg-type]
    )
    sealed_processed = new_event(
        "DataProcessed",
        data=DataProcessed(
            "processed", "pipe-3", None, (ProcessingStep("enrich", "1.0", "succeeded"),), SEALED
        ),
        producer="processing_svc",
        **common,  # type: ignore[arg-type]
    )
    erased = new_event(
        "DataErased",
        data=DataErased(RECEIVED_AT, "admin", "asked by the partner"),
        producer="ingestion_svc",
        **common,  # type: ignore[arg-type]
    )

    for event in (validated, processed, sealed_ingested, sealed_processed, erased):
        assert decode(encode(event)) == event


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"occurred_at": datetime(2025, 3, 14, 9, 26)}, "occurred_at: Must be timezone-aware"),
        ({"partner_id": "acme/logistics"}, "partner_id: Must be 1-64 characters"),
        ({"record_version": 0}, "record_version: Must be greater than or equal to 1."),
        ({"data": {"payload": PAYLOAD}}, "data.received_at: Missing data for required field."),
        (
            {"data": DataValidated(True, "r1")},
            "data: DataIngested needs DataIngested data, got DataValidated",
        ),
        ({"correlation_id": ""}, "correlation_id: Shorter than minimum length 1."),
        (
            {"data": DataIngested(PAYLOAD, datetime(2025, 3, 14), content_hash(PAYLOAD))},
            "data.received_at: Must be timezone-aware",
        ),
        (
            {"data": DataIngested(None, RECEIVED_AT, KEYED_HASH)},
            "data.payload: Exactly one of payload and sealed_payload must be given.",
        ),
        (
            {"data": DataIngested(PAYLOAD, RECEIVED_AT, KEYED_HASH, sealed_payload=SEALED)},
            "data.payload: Exactly one of payload and sealed_payload must be given.",
        ),
        (
            {"data": DataIngested(None, RECEIVED_AT, content_hash(PAYLOAD), sealed_payload=SEALED)},
            "data.content_hash: Must be 'hmac-sha256:' when the payload is sealed.",
        ),
    ],
)
def test_new_event_refuses_what_consumers_could_not_read(overrides: dict[str, object], expected: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        _ingested(**overrides)

    assert str(caught.value).startswith(expected)


def test_new_event_refuses_an_unknown_event_type() -> None:
    with pytest.raises(InvalidEvent, match=r"^event_type: unknown event type 'DataArchived'"):
        new_event(
            "DataArchived",
            data_id=DATA_ID,
            partner_id="p",
            record_version=1,
            data={},
            producer="x",
            correlation_id="c",
        )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"occurred_at": datetime(2025, 3, 14, 9, 26)}, "occurred_at: Must be timezone-aware"),
        ({"record_version": 0}, "record_version: Must be greater than or equal to 1."),
        ({"data_id": "record-17"}, "data_id: Not a valid UUID."),
        ({"event_type": "DataValidated"}, "data: DataValidated needs DataValidated data, got DataIngested"),
        ({"schema_version": 7}, "schema_version: unsupported schema_version 7 for DataIngested"),
    ],
)
def test_encode_refuses_a_hand_built_event_that_consumers_could_not_read(
    change: dict[str, object], expected: str
) -> None:
    event = dataclasses.replace(_ingested(), **change)  # type: ignore[arg-type]

    with pytest.raises(InvalidEvent) as caught:
        encode(event)

    assert str(caught.value).startswith(expected)


def test_a_decoded_event_skips_the_read_back_and_a_changed_copy_does_not() -> None:
    event = _ingested()
    changed = dataclasses.replace(event, record_version=0)
    hand_built = IntegrationEvent(
        **{f.name: getattr(event, f.name) for f in dataclasses.fields(event) if f.init}
    )

    assert event.read_from_wire and decode(encode(event)).read_from_wire
    assert not changed.read_from_wire and not hand_built.read_from_wire
    assert hand_built == event and encode(hand_built) == encode(event)  # the mark is not part of the value
    with pytest.raises(InvalidEvent, match="record_version"):
        encode(changed)
