"""List parameters: shorthand typing, sort, projection, limits and the opaque cursor."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from query_svc.application.cursor import CursorCodec
from query_svc.application.listing import SORT_TYPES, ListQuery, build_list_query, parse_sort
from query_svc.domain.errors import InvalidQuery
from query_svc.domain.filters import TOP_FIELDS, field_name

SCOPE = {"version": {"$gte": 1}, "partner_id": "partner123"}
CURSORS = CursorCodec(b"k" * 32, SORT_TYPES)


def _built(params: dict[str, str], scope: dict[str, Any] = SCOPE) -> ListQuery:
    return build_list_query(params, scope, CURSORS)


def test_shorthand_types_values_by_field_and_shape() -> None:
    query = _built(
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
    query = _built({"filter": '{"$or": [{"partner_id": "partner456"}, {"status": "complete"}]}'})
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
        {"sort": "payload"},
        {"sort": "payload.a b"},
        {"sort": "secret"},
        {"sort": "version,version"},
        {"fields": "_events"},
        {"limit": "0"},
        {"limit": "1001"},
        {"limit": "ten"},
        {"cursor": "garbage!"},
        {"cursor": "\u00b2" * 50},  # not ASCII: the signature comparison takes bytes
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
        _built(params)


def test_sort_ends_with_the_id_in_the_direction_of_the_last_key() -> None:
    assert parse_sort("-timestamp") == (("timestamp", -1), ("_id", -1))
    assert parse_sort("status,-version") == (("status", 1), ("version", -1), ("_id", -1))
    assert parse_sort(None) == (("timestamp", 1), ("_id", 1))


def test_a_cursor_only_works_for_the_query_that_issued_it() -> None:
    first = _built({"status": "complete"})
    cursor = CURSORS.encode([datetime(2026, 1, 1, tzinfo=UTC), "x"], first.fingerprint)
    again = _built({"status": "complete", "cursor": cursor})
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
        _built({"status": "invalid", "cursor": cursor})
    with pytest.raises(InvalidQuery, match="another filter"):
        _built({"status": "complete", "cursor": cursor}, {"version": {"$gte": 1}})


def _unsigned(values: list[object], fingerprint: str) -> str:
    """A cursor as the service issued them before they were signed: base64 of the JSON body alone."""
    text = json.dumps({"v": values, "q": fingerprint})
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [
        [{"$where": "sleep(1000)"}, "x"],
        [{"$regex": "(a+)+$"}, "x"],
        [[[]], "x"],
        [2**64, "x"],
        [{"$date": "garbage"}, "x"],
        [{"$date": "9999-12-31T23:59:59-23:59"}, "x"],
        [{"$date": "2026-01-01T00:00:00"}, "x"],  # no offset
        ["2026-01-01T00:00:00Z", "x"],  # the right shape, the wrong type for timestamp
        [None, 7],
    ],
)
def test_a_cursor_the_service_did_not_sign_is_refused(values: list[object]) -> None:
    fingerprint = _built({}).fingerprint
    for forged in (_unsigned(values, fingerprint), "A" * 43 + _unsigned(values, fingerprint)):
        with pytest.raises(InvalidQuery, match="not one this service issued"):
            _built({"cursor": forged})


def test_a_signed_cursor_is_refused_under_another_secret_or_once_altered() -> None:
    fingerprint = _built({}).fingerprint
    cursor = CURSORS.encode([datetime(2026, 1, 1, tzinfo=UTC), "x"], fingerprint)
    assert _built({"cursor": cursor}).request.filter["$and"][-1]  # the issuing service reads it
    other = CursorCodec(b"o" * 32, SORT_TYPES)
    with pytest.raises(InvalidQuery, match="not one this service issued"):
        build_list_query({"cursor": cursor}, SCOPE, other)
    middle = len(cursor) // 2  # a character of the body, every bit of which counts
    tampered = cursor[:middle] + ("B" if cursor[middle] == "A" else "A") + cursor[middle + 1 :]
    with pytest.raises(InvalidQuery, match="not one this service issued"):
        _built({"cursor": tampered})


def test_signed_values_of_the_wrong_type_for_their_sort_key_are_refused() -> None:
    """Defence in depth: even a validly signed cursor only carries what the view stores for that key."""
    query = _built({"sort": "version"})
    with pytest.raises(InvalidQuery, match="not one this service issued"):
        _built({"sort": "version", "cursor": CURSORS.encode(["7", "x"], query.fingerprint)})
    with pytest.raises(InvalidQuery, match="not one this service issued"):
        _built({"sort": "version", "cursor": CURSORS.encode([True, "x"], query.fingerprint)})
    assert _built({"sort": "version", "cursor": CURSORS.encode([7, "x"], query.fingerprint)})


def test_every_view_field_says_what_a_cursor_may_hold_for_it() -> None:
    assert {field_name(name) for name in TOP_FIELDS} | {"_id"} == set(SORT_TYPES)
