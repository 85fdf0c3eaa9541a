"""The normalize step: whitespace, Unicode NFC and key order; idempotent for every JSON value."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from processing_svc.domain.steps.normalize import Normalize, normalize_value
from tests.unit.processing.support import NoDuplicates, work

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


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
    output = Normalize().run(work({"a": "x", "b": 2}), NoDuplicates())
    assert output.details == {"changed": False}


@given(json_values)
def test_is_idempotent(value: Any) -> None:
    once = normalize_value(value)
    assert normalize_value(once) == once


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_keys_come_out_sorted(payload: dict[str, Any]) -> None:
    keys = list(normalize_value(payload))
    assert keys == sorted(keys)
