"""MongoDB's sort order as domain.sort_order models it (the integration test holds it against the server)."""

from __future__ import annotations

import functools
import secrets
from datetime import UTC, datetime
from typing import Any

import pytest

from query_svc.application.cursor import CursorCodec
from query_svc.application.listing import SORT_TYPES, keyset_after
from query_svc.domain.sort_order import EMPTY_ARRAY, after_filter, comes_after, compare, equal_filter, key_of

AT = datetime(2026, 1, 1, tzinfo=UTC)


def test_types_sort_null_numbers_strings_objects_booleans_dates_and_values_within_them() -> None:
    ascending: list[Any] = [
        EMPTY_ARRAY,
        None,
        -2,
        1,
        1.5,
        10**12,
        "",
        "B",
        "a",
        "ä",
        {"a": 1},
        {"a": 1, "b": 0},
        {"b": 0},
        False,
        True,
        AT,
    ]
    shuffled = list(reversed(ascending))
    assert sorted(shuffled, key=functools.cmp_to_key(compare)) == ascending
    assert compare(3, 3.0) == 0 and compare(None, None) == 0


def test_an_array_sorts_by_its_least_element_ascending_and_its_greatest_descending() -> None:
    doc = {"payload": {"tags": [5, "x", 1, None]}}
    assert key_of(doc, "payload.tags", 1) is None
    assert key_of(doc, "payload.tags", -1) == "x"
    assert key_of({"payload": {"tags": []}}, "payload.tags", 1) is EMPTY_ARRAY
    assert key_of({"payload": {}}, "payload.tags", -1) is None


def test_a_path_through_an_array_of_objects_reaches_its_elements_only_where_the_server_does() -> None:
    doc = {"payload": {"items": [{"price": 4}, {"price": 2}, {"other": 1}]}}
    assert key_of(doc, "payload.items.price", -1) == 4
    assert key_of(doc, "payload.items.price", 1) is None  # the element without a price counts as null
    assert key_of(doc, "payload.items.price", -1, through_arrays=False) is None


@pytest.mark.parametrize("direction", [1, -1])
def test_comes_after_follows_the_direction_and_the_id_breaks_ties(direction: int) -> None:
    sort = (("payload.n", direction), ("_id", direction))
    assert comes_after([2, "a"], [1, "z"], sort) == (direction == 1)
    assert comes_after([1, "b"], [1, "a"], sort) == (direction == 1)
    assert not comes_after([1, "a"], [1, "a"], sort)


def test_the_superset_filter_names_every_later_type_and_nothing_after_the_last() -> None:
    assert after_filter("payload.n", 1, 5) == {
        "$or": [{"payload.n": {"$gt": 5}}]
        + [{"payload.n": {"$type": alias}} for alias in ("string", "object", "array", "bool", "date")]
    }
    assert after_filter("payload.n", -1, "s") == {
        "$or": [
            {"payload.n": {"$lt": "s"}},
            {"payload.n": {"$type": "number"}},
            {"payload.n": None},
            {"payload.n": {"$size": 0}},
        ]
    }
    assert after_filter("payload.n", -1, EMPTY_ARRAY) == {"_id": {"$in": []}}
    assert equal_filter("payload.n", EMPTY_ARRAY) == {"payload.n": {"$size": 0}}
    assert equal_filter("payload.n", {"a": 1}) == {"payload.n": {"$type": "object"}}


def test_view_fields_keep_their_exact_keyset_with_the_seek_bound() -> None:
    sort = (("timestamp", 1), ("_id", 1))
    assert keyset_after(sort, [AT, "x"]) == {
        "$and": [
            {"timestamp": {"$gte": AT}},
            {"$or": [{"timestamp": {"$gt": AT}}, {"timestamp": AT, "_id": {"$gt": "x"}}]},
        ]
    }


@pytest.mark.parametrize("key", [EMPTY_ARRAY, None, True, 2.5, "s", {"a": [1, {"b": AT}]}, AT])
def test_a_cursor_carries_every_kind_of_key(key: Any) -> None:
    codec = CursorCodec(secrets.token_bytes(32), SORT_TYPES)
    sort = (("payload.n", 1), ("_id", 1))
    assert codec.decode(codec.encode([key, "id"], "q"), "q", sort) == [key, "id"]
