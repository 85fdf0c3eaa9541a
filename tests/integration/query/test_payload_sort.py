"""Sorting on payload fields: pages by cursor hold every record once, in the order the store sorts them,
whatever mixture of numbers (ties included), strings, booleans, objects, nulls, missing fields and arrays
(empty, mixed, of objects) the field holds."""

from __future__ import annotations

import functools
import uuid
from typing import Any

import pytest
from pymongo.database import Database

from query_svc.adapters.mongo.records import RECORDS, sorts_through_arrays
from query_svc.bootstrap import Query
from query_svc.domain.sort_order import compare, key_of
from tests.api_keys import TestKeys
from tests.integration.query.conftest import ClientFactory
from tests.unit.query.events import entry, ingested

MISSING = object()
SCORES: list[Any] = [
    3,
    3,
    3.0,
    -1,
    2.5,
    10**12,
    0,
    "b",
    "a",
    "ä",
    "",
    "B",
    True,
    False,
    None,
    None,
    MISSING,
    MISSING,
    {"x": 1},
    {"x": 1, "y": 2},
    {"a": 5},
    [],
    [],
    [5, 1],
    [7],
    ["z", 2],
    [None, 4],
    [True, "s"],
    [{"n": 1}],
    4,
]


def _project(query: Query, payloads: list[dict[str, Any]]) -> list[str]:
    ids = []
    for i, payload in enumerate(payloads):
        data_id = str(uuid.UUID(int=i + 1))
        query.projector.apply(data_id, entry(ingested(data_id, 1, payload, i)))
        ids.append(data_id)
    return ids


def _pages(client: Any, sort: str, limit: int, **extra: str) -> list[str]:
    ids: list[str] = []
    cursor = None
    for _ in range(100):
        params = {"sort": sort, "limit": str(limit), "fields": "id", **extra}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/query/all", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        ids += [item["id"] for item in response.get_json()]
        cursor = response.headers.get("Next-Cursor")
        if not cursor:
            return ids
    raise AssertionError("the pages never ended")


def _server_order(database: Database[dict[str, Any]], path: str, direction: int) -> list[str]:
    found = database[RECORDS].find(
        {"version": {"$gte": 1}}, {"_id": 1}, sort=[(path, direction), ("_id", direction)]
    )
    return [doc["_id"] for doc in found]


@pytest.mark.parametrize("limit", [1, 2, 3, 7])
@pytest.mark.parametrize("direction", [1, -1])
def test_pages_over_a_payload_field_of_every_type_hold_each_record_once_in_the_stores_order(
    query: Query,
    client_for: ClientFactory,
    keys: TestKeys,
    database: Database[dict[str, Any]],
    direction: int,
    limit: int,
) -> None:
    payloads = [{} if score is MISSING else {"score": score} for score in SCORES]
    ids = _project(query, payloads)
    sort = "payload.score" if direction == 1 else "-payload.score"

    paged = _pages(client_for(keys.partner), sort, limit)

    assert sorted(paged) == sorted(ids), "a record was repeated or left out"
    assert paged == _server_order(database, "payload.score", direction)


@pytest.mark.parametrize("direction", [1, -1])
def test_the_model_of_the_order_agrees_with_the_store(
    query: Query, database: Database[dict[str, Any]], direction: int
) -> None:
    """The reader decides which records come after a cursor with domain.sort_order: it must order exactly
    as the server does, or pages would repeat or skip records."""
    payloads = [{} if score is MISSING else {"score": score} for score in SCORES]
    ids = _project(query, payloads)
    stored = {doc["_id"]: doc for doc in database[RECORDS].find({"_id": {"$in": ids}})}
    through = sorts_through_arrays(database[RECORDS])

    def order(a: str, b: str) -> int:
        ka = key_of(stored[a], "payload.score", direction, through_arrays=through)
        kb = key_of(stored[b], "payload.score", direction, through_arrays=through)
        return (compare(ka, kb) or (a > b) - (a < b)) * direction

    assert sorted(ids, key=functools.cmp_to_key(order)) == _server_order(database, "payload.score", direction)


def test_a_nested_sort_with_a_filter_and_a_second_key_pages_exactly(
    query: Query, client_for: ClientFactory, keys: TestKeys, database: Database[dict[str, Any]]
) -> None:
    payloads = [
        {"meta": {"rank": i % 4, "group": "ab"[i % 2]}, "n": i} if i % 5 else {"meta": {"group": "ab"[i % 2]}}
        for i in range(23)
    ]
    ids = _project(query, payloads)
    paged = _pages(client_for(keys.partner), "-payload.meta.rank,payload.n", 4, **{"payload.meta.group": "a"})

    expected = [
        doc["_id"]
        for doc in database[RECORDS].find(
            {"payload.meta.group": "a"},
            {"_id": 1},
            sort=[("payload.meta.rank", -1), ("payload.n", 1), ("_id", 1)],
        )
    ]
    assert paged == expected
    assert len(expected) == len([i for i in range(23) if i % 2 == 0]) and set(expected) <= set(ids)


def test_a_cursor_of_a_payload_sort_cannot_be_carried_to_another_sort(
    query: Query, client_for: ClientFactory, keys: TestKeys
) -> None:
    _project(query, [{"score": i} for i in range(5)])
    client = client_for(keys.partner)
    first = client.get("/query/all", query_string={"sort": "payload.score", "limit": "2"})
    cursor = first.headers["Next-Cursor"]
    refused = client.get(
        "/query/all", query_string={"sort": "-payload.score", "limit": "2", "cursor": cursor}
    )
    assert refused.status_code == 400
    assert refused.content_type == "application/problem+json"
    assert "another filter or sort" in refused.get_json()["detail"]
