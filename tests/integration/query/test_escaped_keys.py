"""Payload keys MongoDB refuses (dotted, `$`-prefixed, NUL) on the real server: stored escaped, answered as
sent, and found by filters and projections that name them escaped."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo.database import Database

from query_svc.adapters.mongo.records import RECORDS, MongoRecordReader, MongoRecordViews
from query_svc.adapters.mongo.timeline import TIMELINE, MongoTimeline
from query_svc.bootstrap import Query
from tests.api_keys import TestKeys
from tests.integration.query.conftest import ClientFactory
from tests.unit.query.events import entry, ingested, processed, validated

AWKWARD = {
    "a.b": 1,
    "$x": {"c.d": [{"$e.f": 2}]},
    "50%": 3,
    "a%2Eb": 4,
    "n\x00ul": 5,
    "": 6,
    "plain": 7,
    "%": [[1, [2]], []],  # arrays of arrays, under the very key the wrapper uses
}
KEYS = st.one_of(st.text(alphabet="%.$\x00aE2", max_size=5), st.text(max_size=5))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.text(max_size=3))
# Arrays directly inside arrays too: FerretDB 1.24 refuses those whatever the keys, so they are wrapped.
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=12,
)
Db = Database[dict[str, Any]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(KEYS, DOCUMENTS, max_size=4))
def test_any_payload_is_stored_and_read_back_exactly(database: Db, payload: dict[str, Any]) -> None:
    data_id = str(uuid.uuid4())
    event = ingested(data_id, 1, payload, 0)
    timeline = MongoTimeline(database[TIMELINE])
    assert timeline.append(data_id, 0, entry(event))
    assert timeline.read(data_id)[0].data["payload"] == payload
    MongoRecordViews(database[RECORDS]).save(data_id, {"version": 1, "payload": payload}, 1)
    found = MongoRecordReader(database[RECORDS], 5000).get(data_id)
    assert found is not None and found["payload"] == payload


def test_every_write_path_stores_the_keys_escaped(database: Db) -> None:
    views, timeline = MongoRecordViews(database[RECORDS]), MongoTimeline(database[TIMELINE])
    ids = [str(uuid.uuid4()) for _ in range(3)]
    view = {"version": 1, "payload": AWKWARD, "processing": {"result": {"payload": AWKWARD}}}
    views.save(ids[0], view, 1)
    views.save_many([(ids[1], view, 1)])
    views.add_many([(ids[2], view, 1), (ids[0], view, 2)])  # the second one is taken: replaced
    timeline.append_many([(data_id, 0, entry(ingested(data_id, 1, AWKWARD, 0))) for data_id in ids])
    reader = MongoRecordReader(database[RECORDS], 5000)
    for data_id in ids:
        stored = database[RECORDS].find_one({"_id": data_id})
        assert stored is not None and stored["payload"]["a%2Eb"] == 1
        assert stored["processing"]["result"]["payload"]["%24x"] == {"c%2Ed": [{"%24e%2Ef": 2}]}
        found = reader.get(data_id)
        assert found is not None and {k: v for k, v in found.items() if k != "_id"} == view
        assert timeline.read(data_id)[0].data["payload"] == AWKWARD


def test_the_api_answers_the_keys_as_sent_and_filters_and_projects_on_them_escaped(
    query: Query, client_for: ClientFactory, keys: TestKeys
) -> None:
    data_id = str(uuid.uuid4())
    payload = {**AWKWARD, "run": data_id}
    amended = {**payload, "a.b": 10}
    events = [
        ingested(data_id, 1, payload, 0),
        validated(data_id, 1, True, 1),
        processed(data_id, 1, True, 2),
    ]
    events += [ingested(data_id, 2, amended, 10), validated(data_id, 2, True, 11)]
    query.projector.apply_many([entry(event) for event in events])
    client = client_for(keys.partner)

    record = client.get(f"/query/{data_id}").get_json()
    assert (record["version"], record["payload"]) == (2, amended)
    history = client.get(f"/query/{data_id}/history").get_json()
    assert [e["data"]["payload"] for e in history if e["event_type"] == "DataIngested"] == [payload, amended]
    assert client.get(f"/query/{data_id}?as_of=2026-01-01T12:00:05Z").get_json()["payload"] == payload

    def listed(**params: Any) -> list[dict[str, Any]]:
        response = client.get("/query/all", query_string={"payload.run": data_id, **params})
        assert response.status_code == 200, response.get_data(as_text=True)
        found: list[dict[str, Any]] = response.get_json()
        return found

    assert [r["id"] for r in listed(filter=json.dumps({"payload.a%2Eb": 10}))] == [data_id]
    assert [r["id"] for r in listed(**{"payload.%24x.c%2Ed.%24e%2Ef": "2"})] == [data_id]
    assert [r["id"] for r in listed(**{"payload.a%252Eb": "4", "payload.50%25": "3"})] == [data_id]
    assert listed(**{"payload.a%2Eb": "1"}) == []  # version 1's value is history only
    assert listed(fields="id,payload.a%2Eb,payload.%24x") == [
        {"id": data_id, "payload": {"a.b": 10, "$x": {"c.d": [{"$e.f": 2}]}}}
    ]
    search = client.post("/query/search", json={"filter": {"payload.run": data_id, "payload.n%00ul": 5}})
    assert [r["id"] for r in search.get_json()] == [data_id]
