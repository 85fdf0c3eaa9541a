"""List parameters: shorthand typing, sort, projection, limits and the opaque cursor."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from query_svc.application.cursor import encode_cursor
from query_svc.application.listing import build_list_query, parse_sort
from query_svc.domain.errors import InvalidQuery

SCOPE = {"version": {"$gte": 1}, "partner_id": "partner123"}


def test_shorthand_types_values_by_field_and_shape() -> None:
    query = build_list_query(
        {
            "payload.age__gte": "30",
            "payload.score__lt": "2.5",
            "payload.ok": "true",
            "payload.gone": "null",
            "status": "complete",
            "partner_id": "007",
            "timestamp__gte": "2026-01-01T00:00:00Z",
            "payload.tag__in": "a,1",
        },
        SCOPE,
    )
    clauses = query.request.filter["$and"]
    assert clauses[0] == SCOPE
    assert clauses[1] == {
        "payload.age": {"$gte": 30},
        "payload.score": {"$lt": 2.5},
        "payload.ok": {"$eq": True},
        "payload.gone": {"$eq": None},
        "status": {"$eq": "complete"},
        "partner_id": {"$eq": "007"},
        "timestamp": {"$gte": datetime(2026, 1, 1, tzinfo=UTC)},
        "payload.tag": {"$in": ["a", 1]},
    }


def test_the_scope_is_anded_with_the_filter_so_an_or_cannot_widen_it() -> None:
    query = build_list_query(
        {"filter": '{"$or": [{"partner_id": "partner456"}, {"status": "complete"}]}'}, SCOPE
    )
    assert query.request.filter == {
        "$and": [SCOPE, {"$or": [{"partner_id": "partner456"}, {"status": "complete"}]}]
    }


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "{not json"},
        {"filter": '{"$where": "1"}'},
        {"payload.age__foo": "1"},
        {"secret": "1"},
        {"sort": "payload.age"},
        {"sort": "version,version"},
        {"fields": "_events"},
        {"limit": "0"},
        {"limit": "1001"},
        {"limit": "ten"},
        {"cursor": "garbage!"},
        {"payload.age__exists": "maybe"},
        {"timestamp": "not-a-date"},
        {"limit": "\u00b2"},  # str.isdigit() says yes, int() says no
        {"limit": "\u0663"},  # int() reads other scripts' digits; no caller means them
        {"limit": "\uff11"},
        {"payload.age__size": "\u0663"},
        {"filter": "[" * 50_000},
        {"cursor": base64.urlsafe_b64encode(b"[" * 50_000).decode()},
        {"filter": '{"version": 18446744073709551616}'},
        {"filter": '{"version": NaN}'},
        {"timestamp__gt": "9999-12-31T23:59:59-23:59"},  # past year 9999 in UTC
        {"filter": '{"timestamp": {"$lt": "0001-01-01T00:00:00+23:59"}}'},
    ],
)
def test_bad_parameters_are_refused(params: dict[str, str]) -> None:
    with pytest.raises(InvalidQuery):
        build_list_query(params, SCOPE)


def test_sort_ends_with_the_id_in_the_direction_of_the_last_key() -> None:
    assert parse_sort("-timestamp") == (("timestamp", -1), ("_id", -1))
    assert parse_sort("status,-version") == (("status", 1), ("version", -1), ("_id", -1))
    assert parse_sort(None) == (("timestamp", 1), ("_id", 1))


def test_a_cursor_only_works_for_the_query_that_issued_it() -> None:
    first = build_list_query({"status": "complete"}, SCOPE)
    cursor = encode_cursor([datetime(2026, 1, 1, tzinfo=UTC), "x"], first.fingerprint)
    again = build_list_query({"status": "complete", "cursor": cursor}, SCOPE)
    assert again.request.filter["$and"][-1] == {
        "$and": [
            {"timestamp": {"$gte": datetime(2026, 1, 1, tzinfo=UTC)}},  # implied; lets an index seek
            {
                "$or": [
                    {"timestamp": {"$gt": datetime(2026, 1, 1, tzinfo=UTC)}},
                    {"timestamp": datetime(2026, 1, 1, tzinfo=UTC), "_id": {"$gt": "x"}},
                ]
            },
        ]
    }
    with pytest.raises(InvalidQuery, match="another filter"):
        build_list_query({"status": "invalid", "cursor": cursor}, SCOPE)
    with pytest.raises(InvalidQuery, match="another filter"):
        build_list_query({"status": "complete", "cursor": cursor}, {"version": {"$gte": 1}})


@pytest.mark.parametrize(
    "values",
    [
        [{"$where": "sleep(1000)"}, "x"],
        [[[]], "x"],
        [2**64, "x"],
        [{"$date": "garbage"}, "x"],
        [{"$date": "9999-12-31T23:59:59-23:59"}, "x"],
        [{"$date": "2026-01-01T00:00:00"}, "x"],  # no offset
    ],
)
def test_a_forged_cursor_with_the_right_fingerprint_is_refused(values: list[object]) -> None:
    fingerprint = build_list_query({}, SCOPE).fingerprint
    text = json.dumps({"v": values, "q": fingerprint})
    cursor = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    with pytest.raises(InvalidQuery, match="not one this service issued"):
        build_list_query({"cursor": cursor}, SCOPE)
