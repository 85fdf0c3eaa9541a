"""query_svc's routes on the real MongoDB-compatible server: by id, as_of, history, isolation, pages, filters."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from query_svc.adapters.mongo.generations import ActiveTimeline
from query_svc.adapters.mongo.records import MongoRecordReader
from query_svc.application.queries import RecordQueries
from query_svc.bootstrap import Query
from tests.api_keys import TestKeys
from tests.integration.query.conftest import ClientFactory
from tests.unit.query.events import entry, ingested, lifecycle, processed, validated

OTHER = "partner456"


def _apply(query: Query, events: list[Any]) -> None:
    for event in events:
        query.projector.apply(event.data_id, entry(event))


@pytest.fixture
def record(query: Query) -> str:
    data_id = str(uuid.uuid4())
    _apply(query, lifecycle(data_id))
    return data_id


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    return body


def test_a_record_by_id_answers_its_current_version_with_both_results(
    client_for: ClientFactory, keys: TestKeys, record: str
) -> None:
    response = client_for(keys.partner).get(f"/query/{record}")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["id"] == record and body["partner_id"] == "partner123"
    assert (body["version"], body["status"], body["payload"]) == (2, "complete", {"name": "Ada", "age": 30})
    assert body["validation"]["status"] == "valid" and body["processing"]["status"] == "processed"
    assert body["timestamp"] == "2026-01-01T12:00:00.000000Z"
    assert "_applied" not in body and "_id" not in body
    assert client_for(keys.admin).get(f"/query/{record}").status_code == 200


def test_another_partners_record_and_an_unknown_one_are_both_404(
    client_for: ClientFactory, keys: TestKeys, record: str, query: Query
) -> None:
    _problem(client_for(keys.other).get(f"/query/{record}"), 404)
    _problem(client_for(keys.other).get(f"/query/{record}/history"), 404)
    _problem(client_for(keys.other).get(f"/query/{record}?as_of=2026-01-02T00:00:00Z"), 404)
    _problem(client_for(keys.partner).get(f"/query/{uuid.uuid4()}"), 404)
    waiting = str(uuid.uuid4())
    _apply(query, [validated(waiting, 1, True, 1)])
    _problem(client_for(keys.partner).get(f"/query/{waiting}"), 404)


def test_as_of_answers_the_state_at_that_moment(
    client_for: ClientFactory, keys: TestKeys, record: str
) -> None:
    client = client_for(keys.partner)
    _problem(client.get(f"/query/{record}?as_of=2026-01-01T11:59:59Z"), 404)
    first = client.get(f"/query/{record}?as_of=2026-01-01T12:00:01Z").get_json()
    assert (first["version"], first["status"], first["validation"]["status"]) == (1, "invalid", "invalid")
    before_amend = client.get(f"/query/{record}?as_of=2026-01-01T12:00:09Z").get_json()
    assert (before_amend["version"], before_amend["status"]) == (1, "complete")
    amended = client.get(f"/query/{record}?as_of=2026-01-01T12:00:10Z").get_json()
    assert (amended["version"], amended["status"], amended["payload"]["age"]) == (2, "received", 30)
    _problem(client.get(f"/query/{record}?as_of=yesterday"), 400)


def test_history_is_the_ordered_timeline(client_for: ClientFactory, keys: TestKeys, record: str) -> None:
    history = client_for(keys.partner).get(f"/query/{record}/history").get_json()
    assert [(h["event_type"], h["record_version"]) for h in history] == [
        ("DataIngested", 1),
        ("DataValidated", 1),
        ("DataProcessed", 1),
        ("DataIngested", 2),
        ("DataValidated", 2),
        ("DataProcessed", 2),
    ]
    assert history[3]["data"]["payload"] == {"name": "Ada", "age": 30}
    assert history[0]["producer"] == "ingestion_svc"


def test_min_version_waits_then_says_whether_the_view_is_stale(
    client_for: ClientFactory, keys: TestKeys, query: Query
) -> None:
    data_id = str(uuid.uuid4())
    _apply(query, [ingested(data_id, 1, {"a": 1}, 0)])
    client = client_for(keys.partner)
    stale = client.get(f"/query/{data_id}?min_version=2&wait_ms=100")
    assert (stale.status_code, stale.headers["View-Stale"], stale.get_json()["version"]) == (200, "true", 1)
    _apply(query, [ingested(data_id, 2, {"a": 2}, 5)])
    fresh = client.get(f"/query/{data_id}?min_version=2&wait_ms=100")
    assert (fresh.headers["View-Stale"], fresh.get_json()["version"]) == ("false", 2)
    _problem(client.get(f"/query/{data_id}?min_version=2&wait_ms=999999"), 400)


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()]


def test_lists_are_confined_to_the_callers_partner(
    client_for: ClientFactory, keys: TestKeys, query: Query
) -> None:
    own, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    _apply(query, lifecycle(own))
    _apply(query, lifecycle(theirs, partner=OTHER))
    partner = client_for(keys.partner)
    assert _ids(partner.get("/query/all")) == [own]
    assert _ids(partner.get(f"/query/partner/{OTHER}")) == []
    assert _ids(partner.get("/query/partner/partner123")) == [own]
    injection = json.dumps({"$or": [{"partner_id": OTHER}, {"status": "complete"}]})
    assert _ids(partner.get("/query/all", query_string={"filter": injection})) == [own]
    assert _ids(partner.get("/query/all", query_string={"partner_id": OTHER})) == []
    search = partner.post("/query/search", json={"filter": {"$or": [{"partner_id": OTHER}, {"version": 2}]}})
    assert _ids(search) == [own]
    assert sorted(_ids(client_for(keys.admin).get("/query/all"))) == sorted([own, theirs])
    assert _ids(client_for(keys.admin).get(f"/query/partner/{OTHER}")) == [theirs]
    assert partner.get("/query/stats").get_json() == {"total": 1, "by_status": {"complete": 1}}
    admin_stats = client_for(keys.admin).get("/query/stats").get_json()
    assert admin_stats["by_partner"] == {"partner123": 1, OTHER: 1}


def test_filters_and_shorthand_select_records(
    client_for: ClientFactory, keys: TestKeys, query: Query
) -> None:
    young, old = str(uuid.uuid4()), str(uuid.uuid4())
    _apply(query, [ingested(young, 1, {"age": 12, "tags": ["a"]}, 0), validated(young, 1, False, 1)])
    _apply(query, [ingested(old, 1, {"age": 40, "tags": ["a", "b"]}, 2), processed(old, 1, True, 3)])
    client = client_for(keys.partner)
    assert _ids(client.get("/query/all?payload.age__gte=30")) == [old]
    assert _ids(client.get("/query/all?status=invalid")) == [young]
    assert _ids(client.get("/query/all?payload.tags__size=2")) == [old]
    assert _ids(client.get("/query/all?sort=-timestamp")) == [old, young]
    by_filter = json.dumps({"payload.tags": {"$all": ["a"]}, "validation.status": {"$in": ["pending"]}})
    assert _ids(client.get("/query/all", query_string={"filter": by_filter})) == [old]
    projected = client.get("/query/all?fields=id,payload.age&sort=timestamp").get_json()
    assert projected == [{"id": young, "payload": {"age": 12}}, {"id": old, "payload": {"age": 40}}]


@pytest.mark.parametrize(
    "bad",
    [
        {"$where": "this.version > 0"},
        {"$expr": {"$gt": ["$version", 0]}},
        {"payload.age": {"$foo": 1}},
        {"payload.doc": {"a.b": 1}},
        {"payload.doc": {"$gt": 1, "x": 1}},
        {"payload.age": {"$in": list(range(1001))}},
    ],
)
def test_forbidden_filters_answer_400_naming_the_part(
    client_for: ClientFactory, keys: TestKeys, bad: dict[str, Any]
) -> None:
    response = client_for(keys.partner).get("/query/all", query_string={"filter": json.dumps(bad)})
    assert "filter" in _problem(response, 400)["detail"]
    search = client_for(keys.partner).post("/query/search", json={"filter": bad})
    _problem(search, 400)


def _walk(client: FlaskClient, url: str) -> list[str]:
    seen: list[str] = []
    for _ in range(50):
        response = client.get(url)
        seen += _ids(response)
        link = response.headers.get("Link")
        if link is None:
            return seen
        assert link.endswith('>; rel="next"')
        parts = urlsplit(link[1 : link.index(">")])
        url = f"{parts.path}?{parts.query}"
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("sort", ["timestamp", "-timestamp"])
def test_pages_cover_every_record_once_in_both_directions(
    client_for: ClientFactory, keys: TestKeys, query: Query, sort: str
) -> None:
    created = []
    for i in range(27):
        data_id = str(uuid.uuid4())
        created.append((i // 3, data_id))  # three records share each timestamp: the id breaks ties
        _apply(query, [ingested(data_id, 1, {"i": i}, i // 3)])
    expected = [d for _, d in sorted(created, reverse=sort.startswith("-"))]
    client = client_for(keys.partner)
    assert _walk(client, f"/query/all?limit=4&sort={sort}") == expected

    # A record inserted between pages lands in its sorted place without shifting the others.
    first = client.get(f"/query/all?limit=4&sort={sort}")
    late = str(uuid.uuid4())
    _apply(query, [ingested(late, 1, {"late": True}, 100)])
    parts = urlsplit(first.headers["Link"][1 : first.headers["Link"].index(">")])
    rest = _walk(client, f"{parts.path}?{parts.query}")
    combined = _ids(first) + rest
    assert [d for d in combined if d != late] == expected
    assert len(combined) == len(set(combined))


def test_a_cursor_from_another_query_is_refused(
    client_for: ClientFactory, keys: TestKeys, query: Query
) -> None:
    for i in range(3):
        _apply(query, [ingested(str(uuid.uuid4()), 1, {"i": i}, i)])
    client = client_for(keys.partner)
    link = client.get("/query/all?limit=1").headers["Link"]
    cursor = link[link.index("cursor=") + 7 : link.index(">")]
    _problem(client.get(f"/query/all?limit=1&sort=-timestamp&cursor={cursor}"), 400)
    _problem(client_for(keys.other).get(f"/query/all?limit=1&cursor={cursor}"), 400)


def test_a_page_of_large_records_ends_at_the_byte_budget_and_the_cursor_goes_on(query: Query) -> None:
    """Issue 22: `limit=1000` of large payloads was read and rendered whole by one request."""
    budget = 64 * 1024
    created = []
    for i in range(7):
        data_id = str(uuid.uuid4())
        created.append(data_id)
        _apply(query, [ingested(data_id, 1, {"blob": "x" * 20_000, "i": i}, i)])
    reader = MongoRecordReader(query.generations.records(), 5000)
    queries = RecordQueries(reader, ActiveTimeline(query.generations), b"s" * 32, page_bytes=budget)
    pages, cursor = [], None
    while True:
        page = queries.list({"limit": "1000", **({"cursor": cursor} if cursor else {})}, "partner123")
        pages.append([record["id"] for record in page.items])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [len(p) for p in pages] == [3, 3, 1]  # three ~20 KB records fit in 64 KiB, a fourth would not
    assert [i for p in pages for i in p] == created


def test_a_record_larger_than_the_budget_still_makes_a_page(query: Query) -> None:
    data_id = str(uuid.uuid4())
    _apply(query, [ingested(data_id, 1, {"blob": "y" * 100_000}, 0)])
    queries = RecordQueries(
        MongoRecordReader(query.generations.records(), 5000),
        ActiveTimeline(query.generations),
        b"s" * 32,
        64 * 1024,
    )
    page = queries.list({"limit": "10"}, "partner123")
    assert [r["id"] for r in page.items] == [data_id] and page.next_cursor is None
