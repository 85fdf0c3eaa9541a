"""Malformed events are refused with one exception type whose message names every failing field."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from contracts import InvalidEvent, JsonObject, compiled, decode
from tests.unit.contracts.conftest import Golden

DELETE = object()


def _changed(wire: JsonObject, path: str, value: object) -> JsonObject:
    """Sets (or deletes, for DELETE) the member at a dotted path of a wire dict, in place."""
    *parents, last = path.split(".")
    target: Any = wire
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is DELETE:
        del target[last]
    else:
        target[int(last) if isinstance(target, list) else last] = value
    return wire


def _message(raw: bytes | str | JsonObject) -> str:
    assert compiled.read(raw) is None  # the fast reader leaves every refusal to the schemas
    with pytest.raises(InvalidEvent) as caught:
        decode(raw)
    return str(caught.value)


ENVELOPE_CASES = [
    ("event_id", DELETE, "event_id: Missing data for required field."),
    ("event_id", "not-a-uuid", "event_id: Not a valid UUID."),
    ("event_id", "c072fedf757943180b6d061315971fed9", "event_id: Not a valid UUID."),
    ("data_id", 42, "data_id: Not a valid UUID."),
    (
        "occurred_at",
        "2025-03-14T09:26:53.589793",
        "occurred_at: Must be timezone-aware: end with Z or a UTC offset.",
    ),
    ("occurred_at", "14/03/2025 09:26", "occurred_at: Not a valid RFC 3339 datetime."),
    ("occurred_at", "2025-02-30T09:26:53Z", "occurred_at: Not a valid RFC 3339 datetime."),
    ("record_version", 0, "record_version: Must be greater than or equal to 1."),
    ("record_version", 1.0, "record_version: Not a valid integer."),
    ("record_version", "1", "record_version: Not a valid integer."),
    ("record_version", True, "record_version: Not a valid integer."),
    (
        "partner_id",
        "acme logistics",
        "partner_id: Must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'.",
    ),
    ("partner_id", "a" * 65, "partner_id: Must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'."),
    ("partner_id", "", "partner_id: Must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'."),
    ("partner_id", "acme\n", "partner_id: Must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'."),
    ("producer", "", "producer: Shorter than minimum length 1."),
    ("correlation_id", None, "correlation_id: Field may not be null."),
    ("data", [1, 2], "data: Not a valid mapping type."),
    ("data", DELETE, "data: Missing data for required field."),
    ("event_type", DELETE, "event_type: Missing data for required field."),
    ("event_type", 7, "event_type: Not a valid string."),
    (
        "event_type",
        "DataDeleted",
        "event_type: unknown event type 'DataDeleted'; "
        "known types are DataErased, DataIngested, DataProcessed, DataValidated",
    ),
    ("schema_version", DELETE, "schema_version: Missing data for required field."),
    ("schema_version", "1", "schema_version: Not a valid integer."),
    ("schema_version", True, "schema_version: Not a valid integer."),
    (
        "schema_version",
        3,
        "schema_version: unsupported schema_version 3 for DataIngested; latest known is 2",
    ),
    (
        "schema_version",
        -1,
        "schema_version: unsupported schema_version -1 for DataIngested; oldest known is 0",
    ),
]


@pytest.mark.parametrize(("path", "value", "expected"), ENVELOPE_CASES)
def test_a_malformed_envelope_is_refused_naming_the_field(
    golden: Golden, path: str, value: object, expected: str
) -> None:
    assert _message(_changed(golden("data_ingested"), path, value)) == expected


ONE_PAYLOAD = "data.payload: Exactly one of payload and sealed_payload must be given."
SEALED = {"nonce": "7+WTKtf4X1EI+vf9", "ciphertext": "A" * 24}
NONCE_FORM = r"data.sealed_payload.nonce: String does not match expected pattern."
CIPHERTEXT_FORM = r"data.sealed_payload.ciphertext: String does not match expected pattern."

DATA_CASES = [
    ("data_ingested_plain", "data.payload", DELETE, ONE_PAYLOAD),
    ("data_ingested_plain", "data.payload", None, ONE_PAYLOAD),
    ("data_ingested_plain", "data.payload", "text", "data.payload: Not a valid mapping type."),
    (
        "data_ingested_plain",
        "data.sealed_payload",
        SEALED,
        f"{ONE_PAYLOAD}; data.content_hash: Must be 'hmac-sha256:' when the payload is sealed.",
    ),
    ("data_ingested", "data.sealed_payload", DELETE, ONE_PAYLOAD),
    ("data_ingested", "data.sealed_payload", None, ONE_PAYLOAD),
    ("data_ingested", "data.payload", {"order_id": "PO-1"}, ONE_PAYLOAD),
    ("data_ingested", "data.sealed_payload", "sealed", "data.sealed_payload: Invalid input type."),
    ("data_ingested", "data.sealed_payload.nonce", "7+WTKtf4X1EI+vf", NONCE_FORM),
    ("data_ingested", "data.sealed_payload.nonce", "7-WTKtf4X1EI_vf9", NONCE_FORM),
    ("data_ingested", "data.sealed_payload.nonce", "7+WTKtf4X1EI+vf=", NONCE_FORM),  # 11 bytes
    (
        "data_ingested",
        "data.sealed_payload.nonce",
        DELETE,
        "data.sealed_payload.nonce: Missing data for required field.",
    ),
    ("data_ingested", "data.sealed_payload.ciphertext", "A" * 25, CIPHERTEXT_FORM),
    ("data_ingested", "data.sealed_payload.ciphertext", "A" * 22 + "=\n", CIPHERTEXT_FORM),
    (
        "data_ingested",
        "data.sealed_payload.ciphertext",
        "A" * 20,
        "data.sealed_payload.ciphertext: Shorter than minimum length 24.",
    ),
    (
        "data_ingested",
        "data.content_hash",
        "sha256:60a340be9b0833969159c6d9e6fa154fa3eb15a785eef22867030c103da671be",
        "data.content_hash: Must be 'hmac-sha256:' when the payload is sealed.",
    ),
    (
        "data_ingested_plain",
        "data.content_hash",
        "60a340be9b0833969159c6d9e6fa154fa3eb15a785eef22867030c103da671be",
        "data.content_hash: Must be 'sha256:' or 'hmac-sha256:' and 64 lowercase hex digits.",
    ),
    ("data_ingested", "data.received_at", "yesterday", "data.received_at: Not a valid RFC 3339 datetime."),
    ("data_ingested", "data.external_id", 17, "data.external_id: Not a valid string."),
    ("data_validated", "data.is_valid", "false", "data.is_valid: Not a valid boolean."),
    ("data_validated", "data.is_valid", 0, "data.is_valid: Not a valid boolean."),
    ("data_validated", "data.is_valid", True, "data.is_valid: Must be true exactly when errors is empty."),
    ("data_validated", "data.errors", [], "data.is_valid: Must be true exactly when errors is empty."),
    ("data_validated", "data.errors.0.rule", DELETE, "data.errors.0.rule: Missing data for required field."),
    ("data_validated", "data.errors.1.message", None, "data.errors.1.message: Field may not be null."),
    ("data_validated", "data.ruleset_version", "", "data.ruleset_version: Shorter than minimum length 1."),
    ("data_processed", "data.status", "done", "data.status: Must be one of: processed, failed."),
    ("data_processed", "data.result", [1], "data.result: Not a valid mapping type."),
    ("data_processed", "data.result", {}, "data.result: Must be null when sealed_details is given."),
    (
        "data_processed",
        "data.steps.0.extra",
        {"duration_ms": 4},
        "data.steps: Every step's extra must be empty when sealed_details is given.",
    ),
    (
        "data_processed",
        "data.sealed_details.nonce",
        "",
        "data.sealed_details.nonce: String does not match expected pattern.",
    ),
    ("data_processed", "data.steps", DELETE, "data.steps: Missing data for required field."),
    (
        "data_processed",
        "data.steps.2.status",
        "ok",
        "data.steps.2.status: Must be one of: succeeded, failed, skipped.",
    ),
    (
        "data_processed",
        "data.steps.0.version",
        DELETE,
        "data.steps.0.version: Missing data for required field.",
    ),
    ("data_erased", "data.erased_at", DELETE, "data.erased_at: Missing data for required field."),
    (
        "data_erased",
        "data.erased_at",
        "2026-12-09T16:40:31",
        "data.erased_at: Must be timezone-aware: end with Z or a UTC offset.",
    ),
    ("data_erased", "data.erased_by", "", "data.erased_by: Shorter than minimum length 1."),
    ("data_erased", "data.erased_by", None, "data.erased_by: Field may not be null."),
    ("data_erased", "data.reason", "x" * 501, "data.reason: Longer than maximum length 500."),
    ("data_erased", "data.reason", ["why"], "data.reason: Not a valid string."),
]


@pytest.mark.parametrize(("fixture", "path", "value", "expected"), DATA_CASES)
def test_malformed_data_is_refused_naming_the_field(
    golden: Golden, fixture: str, path: str, value: object, expected: str
) -> None:
    assert _message(_changed(golden(fixture), path, value)) == expected


def test_every_failing_field_is_named_at_once(golden: Golden) -> None:
    wire = golden("data_ingested_plain")
    del wire["event_id"]
    wire["partner_id"] = "no spaces allowed"
    del wire["data"]["payload"]

    with pytest.raises(InvalidEvent) as caught:
        decode(wire)

    assert set(caught.value.errors) == {"event_id", "partner_id", "data.payload"}
    assert isinstance(caught.value, ValueError)


def test_the_error_survives_pickling_with_its_fields(golden: Golden) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode({**golden("data_ingested"), "record_version": 0})

    copied = pickle.loads(pickle.dumps(caught.value))

    assert (copied.errors, str(copied)) == (caught.value.errors, str(caught.value))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"event_id": ', "event: Not valid JSON: Expecting value: line 1 column 14 (char 13)."),
        (b'{"event_id": "\xff\xfe"}', "event: Not valid UTF-8: "),
        ("\ufeff{}", "event: Not valid JSON: Unexpected UTF-8 BOM"),
        (b'{"data": {"payload": {"ratio": NaN}}}', "event: Not valid JSON: NaN is not a JSON value."),
        (b"[1, 2]", "event: Must be a JSON object."),
        (b"null", "event: Must be a JSON object."),
        (b"", "event: Not valid JSON: Expecting value: line 1 column 1 (char 0)."),
    ],
)
def test_bytes_that_are_not_a_json_object_are_refused(raw: bytes | str, expected: str) -> None:
    assert _message(raw).startswith(expected)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"ratio": float("nan")}, "data.payload: Not plain JSON: $.ratio: nan is not a JSON number."),
        ({"when": object()}, "data.payload: Not plain JSON: $.when: object is not a JSON value."),
        ({"tags": ("a", "b")}, "data.payload: Not plain JSON: $.tags: tuple is not a JSON value."),
        ({"text": "\ud800"}, "data.payload: Not plain JSON: $.text: contains a lone UTF-16 surrogate."),
        ({1: "one"}, "data.payload: Not plain JSON: $: object keys must be strings."),
    ],
)
def test_a_payload_that_is_not_plain_json_is_refused(
    golden: Golden, payload: JsonObject, expected: str
) -> None:
    assert _message(_changed(golden("data_ingested_plain"), "data.payload", payload)) == expected


def test_a_payload_nested_deeper_than_the_limit_is_refused(golden: Golden) -> None:
    wire = golden("data_ingested_plain")
    nested: JsonObject = {}
    wire["data"]["payload"] = nested
    for _ in range(70):
        child: JsonObject = {}
        nested["child"] = child
        nested = child

    assert "nested deeper than 64 levels" in _message(wire)


def test_a_lone_surrogate_escape_in_json_bytes_is_refused(golden: Golden) -> None:
    wire = golden("data_ingested_plain")
    wire["data"]["payload"] = {"text": "\ud800"}
    raw = json.dumps(wire).encode("ascii")

    assert b'"\\ud800"' in raw
    assert _message(raw) == "data.payload: Not plain JSON: $.text: contains a lone UTF-16 surrogate."
