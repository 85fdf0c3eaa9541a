"""Escaped keys: any document round-trips exactly, the store sees no key it refuses, filters name them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from query_svc.application.cursor import CursorCodec
from query_svc.application.listing import SORT_TYPES, build_list_query
from query_svc.domain.errors import InvalidQuery
from query_svc.domain.filters import compile_filter, field_name
from query_svc.domain.keys import decode_keys, encode_keys, escape_key, unescape_key

# Keys drawn mostly from the characters that matter, so escapes, near-escapes ("%2", "%2e") and repeats occur.
KEYS = st.one_of(st.text(alphabet="%.$\x00abE250", max_size=6), st.text(max_size=6))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=4))
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)


def _nested_arrays(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_nested_arrays(item) for item in value.values())
    if isinstance(value, list):
        return sum(isinstance(item, list) + _nested_arrays(item) for item in value)
    return 0


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for key, item in value.items() for k in (key, *_keys(item))]
    if isinstance(value, list):
        return [k for item in value for k in _keys(item)]
    return []


@settings(max_examples=500, deadline=None)
@given(DOCUMENTS)
def test_any_document_round_trips_and_its_stored_keys_are_ones_the_store_accepts(document: Any) -> None:
    stored = encode_keys(document)
    assert decode_keys(stored) == document
    for key in _keys(stored):
        assert "." not in key and not key.startswith("$") and "\x00" not in key
    assert _nested_arrays(stored) == 0


def test_an_array_inside_an_array_is_wrapped_and_unwrapped() -> None:
    document = {"m": [[1, [2]], [], 3], "%": [[4]]}
    stored = encode_keys(document)
    assert stored == {"m": [{"%": [1, {"%": [2]}]}, {"%": []}, 3], "%25": [{"%": [4]}]}
    assert decode_keys(stored) == document


@settings(max_examples=500, deadline=None)
@given(KEYS)
def test_escaping_a_key_is_one_to_one(key: str) -> None:
    assert unescape_key(escape_key(key)) == key
    assert escape_key(key).count("%") == sum(key.count(c) for c in "%.$\x00")


def test_a_document_needing_no_escape_is_returned_as_it_is() -> None:
    document = {"payload": {"name": "Ada", "tags": [{"k": 1}]}, "n": 1}
    assert encode_keys(document) is document
    assert decode_keys(document) is document


def test_the_escapes_are_percent_codes() -> None:
    document = {"a.b": 1, "$x": {"c.d": [{"$e.f": 2}]}, "50%": 3, "a\x00": 4, "": 5}
    assert encode_keys(document) == {
        "a%2Eb": 1,
        "%24x": {"c%2Ed": [{"%24e%2Ef": 2}]},
        "50%25": 3,
        "a%00": 4,
        "": 5,
    }


@pytest.mark.parametrize(
    ("public", "store"),
    [
        ("payload.a%2Eb", "payload.a%2Eb"),
        ("payload.a%2eb", "payload.a%2Eb"),
        ("payload.%24x.c%2Ed", "payload.%24x.c%2Ed"),
        ("payload.50%25", "payload.50%25"),
        ("payload.first%20name", "payload.first name"),
        ("payload.caf%C3%A9", "payload.café"),
        ("payload.plain", "payload.plain"),
    ],
)
def test_a_filter_path_names_a_key_percent_encoded(public: str, store: str) -> None:
    assert field_name(public) == store
    assert compile_filter({public: 1}) == {store: 1}


@pytest.mark.parametrize("bad", ["payload.a%2", "payload.a%zz", "payload.%FF", "payload.a.b$", "payload.%"])
def test_a_malformed_escape_is_refused(bad: str) -> None:
    with pytest.raises(InvalidQuery):
        field_name(bad)


def test_shorthand_elem_match_literals_and_fields_use_the_store_form() -> None:
    query = build_list_query(
        {
            "payload.a%2Eb": "1",
            "filter": '{"payload.%24x": {"$elemMatch": {"c%2ed": 2}}, "payload.o": {"50%": 1}}',
            "fields": "id,payload.a%2eb",
        },
        {},
        CursorCodec(b"k" * 32, SORT_TYPES),
    )
    assert query.request.filter["$and"][1:] == [
        {"payload.%24x": {"$elemMatch": {"c%2Ed": 2}}, "payload.o": {"50%25": 1}},
        {"payload.a%2Eb": {"$eq": 1}},
        {"status": {"$ne": "erased"}},  # a filter on the payload never matches an erased record
    ]
    assert query.request.fields == ("id", "payload.a%2Eb")
