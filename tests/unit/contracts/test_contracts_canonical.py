"""Canonical JSON and content hashes are the same for every producer, whatever order keys arrive in."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import CONTENT_HASH_PATTERN, canonical_json, content_hash, json_problem
from tests.unit.contracts.wires import json_values


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_non_ascii() -> None:
    value = {"b": [1, 2.5, None], "a": {"ñ": True, "z": "Lucía"}}

    assert canonical_json(value) == '{"a":{"z":"Lucía","ñ":true},"b":[1,2.5,null]}'


def test_the_content_hash_is_sha256_over_the_utf8_canonical_json() -> None:
    expected = hashlib.sha256('{"name":"Lucía"}'.encode()).hexdigest()

    assert content_hash({"name": "Lucía"}) == f"sha256:{expected}"


def test_the_content_hash_of_an_empty_object_is_the_documented_example() -> None:
    assert content_hash({}) == "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"


def test_canonical_json_refuses_values_json_cannot_hold() -> None:
    with pytest.raises(ValueError, match="Out of range float values"):
        canonical_json({"x": float("inf")})


@given(st.dictionaries(st.text(), json_values, max_size=8), st.randoms())
def test_the_content_hash_ignores_key_order(payload: dict[str, Any], random: Any) -> None:
    items = list(payload.items())
    random.shuffle(items)

    assert content_hash(dict(items)) == content_hash(payload)
    assert CONTENT_HASH_PATTERN.fullmatch(content_hash(payload))


@given(json_values)
def test_generated_json_values_are_plain_json_and_survive_a_round_trip(value: Any) -> None:
    assert json_problem(value) is None
    assert json.loads(canonical_json(value)) == value
