"""Properties: validation never raises on any JSON object and gives the same answer every time."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.validation.rule_books import shipped
from validation_svc.domain.rules_document import read_rule_book

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
_KEYS = st.sampled_from(["name", "age", "attributes", "color", "items", "sku", "0", "*", ""]) | st.text(
    max_size=5
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=30,
)
OBJECTS = st.dictionaries(_KEYS, JSON, max_size=6)

SHIPPED = shipped()
EVERY_KIND = read_rule_book(
    {
        "version": "p",
        "default": [
            {"rule": "required", "field": "items.0.sku"},
            {"rule": "type", "field": "items.*.sku", "type": "integer"},
            {"rule": "range", "field": "attributes.*", "min": -1, "max": 1},
            {"rule": "length", "field": "*", "min": 1, "max": 3},
            {"rule": "regex", "field": "name", "pattern": "^[a-z]+$"},
            {"rule": "allowed", "field": "attributes.color", "values": ["red", 1, True, None]},
        ],
    }
)


@settings(max_examples=300, deadline=None)
@given(OBJECTS)
def test_validation_never_raises_and_is_deterministic(payload: dict[str, Any]) -> None:
    before = copy.deepcopy(payload)
    for book in (SHIPPED, EVERY_KIND):
        ruleset = book.for_partner("partner123")
        first = ruleset.validate(payload)
        assert ruleset.validate(copy.deepcopy(payload)) == first
        assert all(v.rule and v.message for v in first)
    assert payload == before  # validation reads the payload, never changes it


# Member names and text the rules never mention: each carries a marker no rule path or message holds.
_MARKED = st.text(max_size=4).map(lambda text: f"\N{SECTION SIGN}{text}")
_MARKED_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _MARKED,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["name", "attributes", "color", "items", "sku", "0"]) | _MARKED, inner
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "attributes", "items"]) | _MARKED, _MARKED_JSON, max_size=6))
def test_without_member_names_no_violation_quotes_the_payload(payload: dict[str, Any]) -> None:
    """What a sealed record's validation logs and publishes: rule paths and rule messages only."""
    for book in (SHIPPED, EVERY_KIND):
        for violation in book.for_partner("partner123").validate(payload, member_names=False):
            assert "\N{SECTION SIGN}" not in violation.field + violation.message, violation
