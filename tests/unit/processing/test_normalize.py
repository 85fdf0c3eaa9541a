"""The normalize step: whitespace, Unicode NFC and key order; idempotent for every JSON value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, reject

from processing_svc.domain.errors import StepRejected
from processing_svc.domain.steps.normalize import Normalize, normalize_value
from tests.unit.processing.support import NoDuplicates, json_objects, json_values, work


def test_trims_and_collapses_whitespace_at_every_depth() -> None:
    payload = {"name": "  Ada \t\n Lovelace ", "tags": [" a  b "], "address": {"city": " Lon   don"}}
    output = Normalize().run(work(payload), NoDuplicates())
    assert output.payload == {"address": {"city": "Lon don"}, "name": "Ada Lovelace", "tags": ["a b"]}
    assert output.details == {"changed": True}


def test_applies_unicode_nfc() -> None:
    decomposed = "Jose\u0301"
    assert normalize_value({"name": decomposed}) == {"name": "Jos\u00e9"}


def test_orders_keys_canonically_and_keeps_other_values() -> None:
    normalized = normalize_value({"b": 1, "a": [True, None, 2.5]})
    assert list(normalized) == ["a", "b"]
    assert normalized == {"a": [True, None, 2.5], "b": 1}


def test_an_already_normal_payload_is_unchanged() -> None:
    output = Normalize().run(work({"a": "x", "b": {"c": 2, "d": None}}), NoDuplicates())
    assert output.details == {"changed": False}


def test_a_reordering_at_any_depth_is_a_change() -> None:
    output = Normalize().run(work({"a": {"d": 1, "c": 2}}), NoDuplicates())
    assert output.details == {"changed": True}
    assert output.payload is not None and list(output.payload["a"]) == ["c", "d"]


def test_keys_get_nfc_but_keep_their_spaces() -> None:
    assert normalize_value({"Jose\u0301 ": 1, " x": 2}) == {" x": 2, "Jos\u00e9 ": 1}


def test_keys_that_become_one_in_nfc_are_rejected() -> None:
    with pytest.raises(StepRejected, match="two keys are both 'Jos\u00e9'"):
        Normalize().run(work({"Jose\u0301": 1, "Jos\u00e9": 2}), NoDuplicates())


def normalized(value: Any) -> Any:
    """Returns the normal form, leaving out the rare generated object whose keys collide in NFC."""
    try:
        return normalize_value(value)
    except StepRejected:
        reject()


@given(json_values)
def test_is_idempotent(value: Any) -> None:
    once = normalized(value)
    assert json.dumps(normalize_value(once)) == json.dumps(once)  # key order included


@given(json_objects)
def test_keys_come_out_sorted(payload: dict[str, Any]) -> None:
    keys = list(normalized(payload))
    assert keys == sorted(keys)
