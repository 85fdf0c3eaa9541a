"""The compiled reader reads what the schemas read, the same way, and leaves everything else to them."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import MAX_JSON_DEPTH, REGISTRY, InvalidEvent, JsonObject, compiled, decode, to_dict
from contracts.codec import read_with_schemas
from tests.unit.contracts.conftest import Golden
from tests.unit.contracts.wires import any_wires, json_values


def _both_forms(wire: JsonObject) -> list[Any]:
    return [wire, json.dumps(wire), json.dumps(wire).encode()]


def test_every_event_type_has_a_compiled_format_at_its_latest_version() -> None:
    # A type whose schema moved on would be read only by the schemas, slowly, until its format follows.
    assert {event_type: form.schema_version for event_type, form in compiled.FORMATS.items()} == {
        event_type: spec.latest_version for event_type, spec in REGISTRY.items()
    }


@pytest.mark.parametrize(
    "fixture", ["data_ingested", "data_ingested_plain", "data_validated", "data_processed", "data_erased"]
)
def test_a_golden_event_is_read_fast_as_the_schemas_read_it(golden: Golden, fixture: str) -> None:
    for raw in _both_forms(golden(fixture)):
        event = compiled.read(raw)

        assert event is not None
        assert event == read_with_schemas(raw)
        assert event.read_from_wire


@settings(deadline=None)
@given(any_wires)
def test_any_valid_canonical_event_is_read_fast_as_the_schemas_read_it(wire: JsonObject) -> None:
    for raw in _both_forms(wire):
        event = compiled.read(raw)

        assert event is not None
        assert event == read_with_schemas(raw)


@settings(deadline=None)
@given(any_wires)
def test_an_event_read_is_written_as_the_schemas_write_it(wire: JsonObject) -> None:
    event = decode(wire)
    by_schemas = to_dict(dataclasses.replace(event))  # a changed copy: to_dict checks it with the schemas

    assert event.read_from_wire
    assert json.dumps(compiled.write(event)) == json.dumps(by_schemas)  # members in the same order too


def test_an_event_not_read_from_a_wire_form_is_left_to_the_schemas(
    golden: Golden,
) -> None:
    event = dataclasses.replace(decode(golden("data_ingested")), record_version=0)

    assert compiled.write(event) is None
    with pytest.raises(InvalidEvent, match="record_version"):
        to_dict(event)


def _paths(value: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Lists the path of every member of a wire form, at every depth."""
    children: list[tuple[Any, object]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    return [path for key, child in children for path in [(*prefix, key), *_paths(child, (*prefix, key))]]


@st.composite
def mutated_wires(draw: st.DrawFn) -> JsonObject:
    """A valid wire form with one member, at any depth, replaced by any JSON value or removed."""
    wire: JsonObject = draw(any_wires)
    *parents, last = draw(st.sampled_from(_paths(wire)))
    target: Any = wire
    for key in parents:
        target = target[key]
    if isinstance(target, dict) and draw(st.booleans()):
        del target[last]
    else:
        target[last] = draw(json_values | st.sampled_from(["", "2025-02-30T09:26:53.589793Z", 0, -1, 2]))
    return wire


@settings(deadline=None, max_examples=500)
@given(mutated_wires())
def test_what_the_compiled_reader_accepts_the_schemas_accept_the_same(wire: JsonObject) -> None:
    for raw in _both_forms(wire):
        event = compiled.read(raw)
        if event is not None:
            assert event == read_with_schemas(raw)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("event_id", "C072FEDF-7579-4318-B6D0-61315971FED9"),  # valid, but not as our encoder writes it
        ("occurred_at", "2025-03-14T10:26:53.589793+01:00"),
        ("occurred_at", "2025-03-14T09:26:53Z"),
        ("schema_version", 0),  # an older version: the schemas upcast it
    ],
)
def test_a_valid_event_in_another_form_is_left_to_the_schemas(
    golden: Golden, path: str, value: object
) -> None:
    wire = {**golden("data_ingested"), path: value}

    assert compiled.read(wire) is None
    assert read_with_schemas(wire).event_type == "DataIngested"


def _nested(depth: int) -> JsonObject:
    payload: JsonObject = {}
    for _ in range(depth):
        payload = {"child": payload}
    return payload


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1])
def test_the_payload_depth_bound_holds_in_both_readers(golden: Golden, depth: int) -> None:
    wire = golden("data_ingested_plain")
    wire["data"]["payload"] = _nested(depth)
    for raw in _both_forms(wire):
        if depth > MAX_JSON_DEPTH:
            assert compiled.read(raw) is None
            with pytest.raises(InvalidEvent, match="nested deeper than"):
                read_with_schemas(raw)
        else:
            assert compiled.read(raw) == read_with_schemas(raw)


def test_brackets_inside_strings_do_not_make_a_shallow_payload_refused(golden: Golden) -> None:
    wire = golden("data_ingested_plain")
    wire["data"]["payload"] = {"text": "[{" * MAX_JSON_DEPTH}

    assert compiled.read(json.dumps(wire)) == read_with_schemas(wire)


NONCE = "7+WTKtf4X1EI+vf9"
KEYED_HASH = "hmac-sha256:" + "d4" * 32


# Values on either side of each bound the version 2 members set: the two readers must agree on every one.
@pytest.mark.parametrize(
    ("fixture", "path", "value"),
    [
        ("data_ingested", ("sealed_payload", "nonce"), NONCE),
        ("data_ingested", ("sealed_payload", "nonce"), NONCE[:-1]),
        ("data_ingested", ("sealed_payload", "nonce"), NONCE + "A"),
        ("data_ingested", ("sealed_payload", "nonce"), NONCE[:-2] + "A="),
        ("data_ingested", ("sealed_payload", "nonce"), NONCE[:-1] + "-"),
        ("data_ingested", ("sealed_payload", "nonce"), NONCE + "\n"),
        ("data_ingested", ("sealed_payload", "ciphertext"), "A" * 22 + "=="),
        ("data_ingested", ("sealed_payload", "ciphertext"), "A" * 24),
        ("data_ingested", ("sealed_payload", "ciphertext"), "A" * 18 + "=="),
        ("data_ingested", ("sealed_payload", "ciphertext"), "A" * 23),
        ("data_ingested", ("sealed_payload", "ciphertext"), "A" * 21 + "==="),
        ("data_ingested", ("sealed_payload", "ciphertext"), "A" * 23 + "_"),
        ("data_ingested", ("sealed_payload", "ciphertext"), "A" * 24 + "\n"),
        ("data_ingested", ("sealed_payload",), None),
        ("data_ingested", ("sealed_payload",), {"nonce": NONCE}),
        ("data_ingested", ("payload",), {"order_id": "PO-1"}),
        ("data_ingested", ("content_hash",), KEYED_HASH),
        ("data_ingested", ("content_hash",), "sha256:" + "d4" * 32),
        ("data_ingested", ("content_hash",), "HMAC-sha256:" + "d4" * 32),
        ("data_ingested", ("content_hash",), KEYED_HASH[:-1]),
        ("data_ingested_plain", ("content_hash",), KEYED_HASH),
        ("data_ingested_plain", ("sealed_payload",), {"nonce": NONCE, "ciphertext": "A" * 24}),
        ("data_processed", ("result",), {}),
        ("data_processed", ("result",), {"order_total": 309.47}),
        ("data_processed", ("steps", 1, "extra"), {"duration_ms": 1}),
        ("data_processed", ("sealed_details",), None),
        ("data_processed", ("sealed_details", "ciphertext"), ""),
        ("data_erased", ("reason",), "x" * 500),
        ("data_erased", ("reason",), "x" * 501),
        ("data_erased", ("reason",), "\U0001f5d1" * 500),
        ("data_erased", ("reason",), "\U0001f5d1" * 501),
        ("data_erased", ("reason",), ""),
        ("data_erased", ("reason",), None),
        ("data_erased", ("erased_by",), ""),
        ("data_erased", ("erased_at",), "2026-12-09T16:40:31Z"),
    ],
)
def test_both_readers_agree_on_the_bounds_of_the_version_2_members(
    golden: Golden, fixture: str, path: tuple[str | int, ...], value: object
) -> None:
    wire = golden(fixture)
    target: Any = wire["data"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    for raw in _both_forms(wire):
        try:
            expected = read_with_schemas(raw)
        except InvalidEvent:
            assert compiled.read(raw) is None
        else:
            assert compiled.read(raw) in (expected, None)  # None: a valid form the schemas read, slowly
            if path[-1] != "erased_at":
                assert compiled.read(raw) == expected  # every other value here is in the canonical form
