"""Older schema versions are upcast, one pure step at a time, before they are validated as the latest."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts import (
    REGISTRY,
    DataIngested,
    DataIngestedSchema,
    EventSpec,
    InvalidEvent,
    JsonObject,
    Upcaster,
    decode,
    encode,
)
from contracts.upcasting import data_ingested_v0_to_v1, sealed_fields_v1_to_v2
from tests.unit.contracts.conftest import Golden

V0_INGESTED = Path(__file__).resolve().parents[2] / "fixtures" / "events" / "v0" / "data_ingested.json"


def _v0_wire() -> JsonObject:
    loaded: JsonObject = json.loads(V0_INGESTED.read_bytes())
    return loaded


def test_the_v0_data_ingested_fixture_upcasts_to_a_valid_plain_latest_event() -> None:
    # The canonical JSON is written out by hand so the test does not trust contracts' own canonical form.
    canonical = '{"age":30,"attributes":{"key1":"value1","key2":"value2"},"name":"Example Data"}'

    event = decode(V0_INGESTED.read_bytes())

    assert event.schema_version == 2
    assert event.data == DataIngested(
        payload={"name": "Example Data", "age": 30, "attributes": {"key1": "value1", "key2": "value2"}},
        received_at=datetime(2024, 11, 2, 17, 45, 12, 483920, tzinfo=UTC),
        content_hash="sha256:" + hashlib.sha256(canonical.encode()).hexdigest(),
        external_id=None,
        sealed_payload=None,
    )


def test_an_upcast_event_encodes_at_the_latest_version_and_reads_back_unchanged() -> None:
    event = decode(V0_INGESTED.read_bytes())

    wire = json.loads(encode(event))

    assert wire["schema_version"] == 2
    assert set(wire["data"]) == {"payload", "received_at", "external_id", "content_hash", "sealed_payload"}
    assert wire["data"]["sealed_payload"] is None
    assert wire["data"]["received_at"] == "2024-11-02T17:45:12.483920Z"
    assert decode(wire) == event


def test_the_envelope_of_an_upcast_event_is_kept() -> None:
    wire = _v0_wire()

    event = decode(wire)

    assert (event.event_id, event.data_id, event.partner_id) == (
        wire["event_id"],
        wire["data_id"],
        wire["partner_id"],
    )


def test_a_v0_timestamp_that_carries_an_offset_keeps_it() -> None:
    wire = _v0_wire()
    wire["data"]["timestamp"] = "2024-11-02T18:45:12.483920+01:00"

    event = decode(wire)

    assert isinstance(event.data, DataIngested)
    assert event.data.received_at == datetime(2024, 11, 2, 17, 45, 12, 483920, tzinfo=UTC)


def test_a_malformed_v0_event_is_refused_naming_the_latest_fields_and_the_upcast() -> None:
    wire = _v0_wire()
    del wire["data"]["data"]

    with pytest.raises(InvalidEvent) as caught:
        decode(wire)

    assert caught.value.errors == {
        "data.payload": ["Exactly one of payload and sealed_payload must be given."],
        "data.content_hash": ["Missing data for required field."],
    }
    assert str(caught.value).endswith("(after upcasting from schema_version 0)")


def test_the_v0_upcaster_is_pure() -> None:
    data = _v0_wire()["data"]
    before = copy.deepcopy(data)

    first, second = data_ingested_v0_to_v1(data), data_ingested_v0_to_v1(data)

    assert data == before
    assert first == second


@pytest.mark.parametrize(
    ("name", "version", "oldest"),
    [("data_validated", 0, 1), ("data_processed", 0, 1), ("data_erased", 0, 1)],
)
def test_version_0_is_only_known_for_data_ingested(
    golden: Golden, name: str, version: int, oldest: int
) -> None:
    wire = golden(name)
    wire["schema_version"] = version

    with pytest.raises(InvalidEvent) as caught:
        decode(wire)

    assert str(caught.value) == (
        f"schema_version: unsupported schema_version {version} for {wire['event_type']}; oldest known is {oldest}"
    )


@pytest.mark.parametrize("name", ["data_ingested", "data_processed"])
def test_the_v1_to_v2_step_keeps_a_version_1_event_as_it_was(golden: Golden, name: str) -> None:
    data = golden(name, 1)["data"]
    before = copy.deepcopy(data)

    lifted = REGISTRY[golden(name, 1)["event_type"]].upcast(data, from_version=1)

    assert lifted == before == data  # a plain payload (or result) is a valid version 2 value as it is
    assert sealed_fields_v1_to_v2(data) == before


def _rename(old: str, new: str) -> Upcaster:
    def step(data: JsonObject) -> JsonObject:
        return {new if key == old else key: value for key, value in data.items()}

    return step


def test_upcasters_chain_in_version_order_up_to_the_latest() -> None:
    spec = EventSpec(
        DataIngested,
        DataIngestedSchema,
        latest_version=3,
        upcasters={0: _rename("a", "b"), 1: _rename("b", "c"), 2: _rename("c", "d")},
    )

    assert spec.oldest_version == 0
    assert spec.upcast({"a": 1}, from_version=0) == {"d": 1}
    assert spec.upcast({"c": 1}, from_version=2) == {"d": 1}
    assert spec.upcast({"d": 1}, from_version=3) == {"d": 1}


@pytest.mark.parametrize("upcasters", [{0: _rename("a", "b")}, {1: _rename("a", "b"), 3: _rename("b", "c")}])
def test_a_gap_in_the_upcaster_chain_is_refused_when_the_registry_is_built(
    upcasters: dict[int, Upcaster],
) -> None:
    with pytest.raises(ValueError, match="DataIngested upcasters must cover versions"):
        EventSpec(DataIngested, DataIngestedSchema, latest_version=3, upcasters=upcasters)
