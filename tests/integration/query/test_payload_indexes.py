"""Declared payload indexes on the real server: made in the active generation and in every new one,
listed by GET /query/indexes (a partner sees its own declarations only), and the lists they serve."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pymongo.database import Database

from eventkit.settings import Env
from query_svc.adapters.mongo.generations import records_name
from query_svc.adapters.mongo.records import RECORDS
from query_svc.application.cursor import CursorCodec, query_fingerprint
from query_svc.application.listing import SORT_TYPES, build_list_query
from query_svc.application.queries import scope_for
from query_svc.bootstrap import Query, bootstrap, create_app
from query_svc.settings import Settings
from tests.api_keys import TestKeys
from tests.stack import StackEndpoints
from tests.unit.query.events import entry, ingested

DECLARED = {"partner123": ["payload.age", "payload.address.city"], "partner456": ["payload.salary"]}


@pytest.fixture
def declared_query(
    stack: StackEndpoints, database: Database[dict[str, Any]], keys: TestKeys, tmp_path: Path
) -> tuple[Query, Settings]:
    path = tmp_path / "payload-indexes.json"
    path.write_text(json.dumps(DECLARED))
    environ = {
        "API_KEYS_FILE": str(keys.path),
        "MONGO_URL": stack.mongo_url,
        "QUERY_PAYLOAD_INDEXES_FILE": str(path),
        **stack.pulsar_environ,
    }
    settings = Settings.from_env(Env(environ))
    query = bootstrap(settings, database=database)
    query.generations.prepare(query.generations.read_active())
    return query, settings


def _client(query: Query, settings: Settings, key: str) -> FlaskClient:
    client = create_app(settings, query).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def test_the_active_and_every_new_generation_get_the_declared_indexes(
    declared_query: tuple[Query, Settings], database: Database[dict[str, Any]]
) -> None:
    query, _ = declared_query
    wanted = {"partner_payload.age", "partner_payload.address.city", "partner_payload.salary"}
    assert wanted <= set(query.generations.indexes())
    query.generations.prepare(query.generations.read_active())  # again, as every start does: a no-op
    generation = f"g{uuid.uuid4().hex[:8]}"
    query.generations.prepare(generation)  # a rebuild's new generation
    made = {index["name"]: index["key"] for index in database[records_name(generation)].list_indexes()}
    assert wanted <= set(made)
    assert list(made["partner_payload.age"]) == ["partner_id", "payload.age", "_id"]


def test_a_partner_sees_its_own_declarations_and_an_admin_sees_all(
    declared_query: tuple[Query, Settings], keys: TestKeys
) -> None:
    query, settings = declared_query
    mine = _client(query, settings, keys.partner).get("/query/indexes")
    assert mine.status_code == 200
    body = mine.get_json()
    assert body["declared"] == [
        {"partner_id": "partner123", "field": "payload.age", "index": "partner_payload.age", "ready": True},
        {
            "partner_id": "partner123",
            "field": "payload.address.city",
            "index": "partner_payload.address.city",
            "ready": True,
        },
    ]
    names = {index["name"] for index in body["indexes"]}
    assert "partner_time" in names and "partner_payload.age" in names
    assert "partner_payload.salary" not in names  # partner456's field names are its own
    everything = _client(query, settings, keys.admin).get("/query/indexes").get_json()
    assert {d["field"] for d in everything["declared"]} == {
        "payload.age",
        "payload.address.city",
        "payload.salary",
    }
    assert {"partner_payload.salary", "partner_payload.age"} <= {i["name"] for i in everything["indexes"]}


def test_a_filter_and_a_sort_on_a_declared_field_answer_in_order(
    declared_query: tuple[Query, Settings], keys: TestKeys
) -> None:
    query, settings = declared_query
    for i in range(40):
        data_id = str(uuid.UUID(int=i + 1))
        partner = "partner123" if i % 2 else "partner456"
        payload: dict[str, Any] = {"age": i % 9, "address": {"city": "abc"[i % 3]}}
        query.projector.apply(data_id, entry(ingested(data_id, 1, payload, i, partner)))
    client = _client(query, settings, keys.partner)
    ids: list[str] = []
    params = {"payload.age__gte": "4", "sort": "-payload.age", "limit": "3", "fields": "id,payload"}
    while True:
        page = client.get("/query/all", query_string=params)
        assert page.status_code == 200, page.get_data(as_text=True)
        items = page.get_json()
        ids += [item["id"] for item in items]
        assert all(item["payload"]["age"] >= 4 for item in items)
        if not page.headers.get("Next-Cursor"):
            break
        params["cursor"] = page.headers["Next-Cursor"]
    expected = sorted((i for i in range(40) if i % 2 and i % 9 >= 4), key=lambda i: (-(i % 9), -(i + 1)))
    assert ids == [str(uuid.UUID(int=i + 1)) for i in expected]


def _seeks(plan: Any, name: str, field: str) -> bool:
    """Whether a server's explain seeks the index on a range of `field` (its second key), not only on the
    partner: MongoDB's plan stage with `indexName` and bounds on the field narrower than everything;
    FerretDB's SQLite plan line `SEARCH <table> USING INDEX <table>_<name> (<expr>=? AND <expr>>? …)`."""
    if isinstance(plan, dict):
        if plan.get("indexName") == name:
            bounds = plan.get("indexBounds", {}).get(field, [])
            return bool(bounds) and bounds not in (["[MinKey, MaxKey]"], ["[MaxKey, MinKey]"])
        return any(_seeks(value, name, field) for value in plan.values())
    if isinstance(plan, list):
        return any(_seeks(value, name, field) for value in plan)
    if not isinstance(plan, str) or "USING INDEX" not in plan:
        return False
    index, _, constraints = plan.partition(" (")
    return index.endswith(f"_{name}") and constraints.count("<expr>") >= 2


def _sorts_in_memory(plan: Any) -> bool:
    text = json.dumps(plan, default=str)
    return "TEMP B-TREE FOR ORDER BY" in text or '"stage": "SORT"' in text


@pytest.mark.parametrize("sort", ["-payload.age", "payload.age"])
def test_a_partners_filter_and_sort_on_a_declared_field_seek_its_index_on_every_page(
    declared_query: tuple[Query, Settings], database: Database[dict[str, Any]], sort: str
) -> None:
    """The store's own explain of the filter the service builds, for the first page and a cursor's page."""
    query, _ = declared_query
    for i in range(300):
        data_id = str(uuid.UUID(int=i + 1))
        query.projector.apply(data_id, entry(ingested(data_id, 1, {"age": i % 50}, i, "partner123")))
    codec = CursorCodec(b"k" * 32, SORT_TYPES)
    scope = scope_for("partner123")
    # A filter on the field: the first page seeks its range. The sort alone: a cursor's page seeks the range
    # after the cursor (the keyset's first type bracket), not the partner's whole part of the index.
    filtered = build_list_query({"payload.age__gte": "10", "sort": sort, "limit": "20"}, scope, codec).request
    params = {"sort": sort, "limit": "20"}
    first = build_list_query(params, scope, codec).request
    cursor = codec.encode([25, str(uuid.UUID(int=26))], query_fingerprint(first.filter, first.sort))
    later = build_list_query({**params, "cursor": cursor}, scope, codec).request
    assert later.brackets, "a cursor page over a payload sort reads type brackets"
    for request_filter in (filtered.filter, {"$and": [later.filter, later.brackets[0][1]]}):
        plan = database.command(
            "explain",
            {"find": RECORDS, "filter": request_filter, "sort": dict(first.sort), "limit": 21},
            verbosity="queryPlanner",
        )
        assert _seeks(plan["queryPlanner"], "partner_payload.age", "payload.age"), plan["queryPlanner"]
        assert not _sorts_in_memory(plan["queryPlanner"]), plan["queryPlanner"]
