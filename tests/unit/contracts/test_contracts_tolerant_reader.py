"""Consumers are tolerant readers: fields they do not know are ignored at every level, never rejected."""

from __future__ import annotations

import copy
import json
from datetime import UTC

from contracts import DataIngested, decode, encode
from tests.unit.contracts.conftest import Golden


def test_unknown_envelope_fields_are_ignored(golden: Golden) -> None:
    wire = golden("data_ingested")
    extended = {**wire, "trace_flags": "01", "tenant": {"region": "eu-west-1"}}

    assert decode(extended) == decode(wire)
    assert json.loads(encode(decode(extended))) == wire


def test_unknown_data_fields_are_ignored(golden: Golden) -> None:
    wire = golden("data_ingested")
    extended = copy.deepcopy(wire)
    extended["data"]["priority"] = "high"

    assert decode(extended) == decode(wire)
    assert json.loads(encode(decode(extended))) == wire


def test_unknown_fields_inside_validation_errors_are_ignored(golden: Golden) -> None:
    wire = golden("data_validated")
    extended = copy.deepcopy(wire)
    extended["data"]["errors"][0]["severity"] = "blocking"

    assert json.loads(encode(decode(extended))) == wire


def test_unknown_fields_inside_a_sealed_value_are_ignored(golden: Golden) -> None:
    for name, member in (("data_ingested", "sealed_payload"), ("data_processed", "sealed_details")):
        wire = golden(name)
        extended = copy.deepcopy(wire)
        extended["data"][member]["kid"] = "kek-2027"

        assert decode(extended) == decode(wire)
        assert json.loads(encode(decode(extended))) == wire


def test_unknown_fields_inside_processing_steps_are_ignored(golden: Golden) -> None:
    wire = golden("data_processed")
    extended = copy.deepcopy(wire)
    extended["data"]["steps"][1]["started_at"] = "2025-03-14T09:26:53.900000Z"

    assert json.loads(encode(decode(extended))) == wire


def test_payload_members_are_data_not_schema_so_all_of_them_are_kept(
    golden: Golden,
) -> None:
    wire = golden("data_ingested_plain")
    wire["data"]["payload"]["anything"] = {"the": ["partner", "sends"]}

    event = decode(wire)

    assert isinstance(event.data, DataIngested)
    assert event.data.payload is not None
    assert event.data.payload["anything"] == {"the": ["partner", "sends"]}


def test_optional_fields_may_be_left_out(golden: Golden) -> None:
    ingested, plain, processed = (
        golden("data_ingested"),
        golden("data_ingested_plain"),
        golden("data_processed"),
    )
    erased = golden("data_erased")
    for wire, key in (
        (ingested, "causation_id"),
        (ingested["data"], "external_id"),
        (ingested["data"], "payload"),
        (plain["data"], "sealed_payload"),
        (processed["data"], "result"),
        (processed["data"], "sealed_details"),
        (erased["data"], "reason"),
    ):
        del wire[key]
    del processed["data"]["steps"][0]["extra"]

    assert json.loads(encode(decode(ingested)))["data"]["external_id"] is None
    assert json.loads(encode(decode(ingested)))["data"]["payload"] is None
    assert json.loads(encode(decode(plain)))["data"]["sealed_payload"] is None
    assert json.loads(encode(decode(processed)))["data"]["steps"][0]["extra"] == {}
    assert json.loads(encode(decode(processed)))["data"]["sealed_details"] is None
    assert json.loads(encode(decode(erased)))["data"]["reason"] is None


def test_timestamps_with_other_offsets_or_lowercase_letters_are_read_as_utc(
    golden: Golden,
) -> None:
    wire = golden("data_ingested")
    wire["occurred_at"] = "2025-03-14t10:26:53.589793+01:00"
    wire["data"]["received_at"] = "2025-03-14T09:26:53.581204123z"

    event = decode(wire)
    reencoded = json.loads(encode(event))

    assert event.occurred_at.tzinfo is UTC
    assert reencoded["occurred_at"] == "2025-03-14T09:26:53.589793Z"
    assert reencoded["data"]["received_at"] == "2025-03-14T09:26:53.581204Z"


def test_uppercase_uuids_are_read_in_lowercase(golden: Golden) -> None:
    wire = golden("data_ingested")
    wire["event_id"] = wire["event_id"].upper()

    assert decode(wire).event_id == "93fcbd1c-f247-4e44-92a7-d8eb4dda8763"
