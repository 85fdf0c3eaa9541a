"""ingestion's HTTP edge on in-memory adapters: every input rule answers a precise 4xx and stores nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from eventkit.eventstore.memory import InMemoryDatabase

RECORD = {"partner_id": "partner123", "payload": {"name": "Ada", "age": 30}}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    return body


def test_post_answers_201_with_the_seed_fields_version_location_and_etag(client: FlaskClient) -> None:
    response = client.post("/ingest", json=RECORD)
    assert response.status_code == 201
    body = response.get_json()
    assert {"id", "partner_id", "timestamp", "version"} <= set(body)
    assert (body["partner_id"], body["version"]) == ("partner123", 1)
    assert response.headers["Location"] == f"http://localhost:5002/query/{body['id']}"
    assert response.headers["ETag"] == '"1"'


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"payload": {}}, "partner_id"),
        ({"partner_id": "", "payload": {}}, "partner_id"),
        ({"partner_id": "a" * 65, "payload": {}}, "partner_id"),
        ({"partner_id": "bad id!", "payload": {}}, "partner_id"),
        ({"partner_id": 7, "payload": {}}, "partner_id"),
        ({"partner_id": "partner123"}, "payload"),
        ({"partner_id": "partner123", "payload": [1, 2]}, "payload"),
        ({"partner_id": "partner123", "payload": "text"}, "payload"),
        ({"partner_id": "partner123", "payload": {}, "surprise": 1}, "surprise"),
        ({"partner_id": "partner123", "payload": {}, "external_id": ""}, "external_id"),
    ],
)
def test_a_bad_field_is_422_naming_it_and_nothing_is_stored(
    client: FlaskClient, database: InMemoryDatabase, body: dict[str, Any], field: str
) -> None:
    problem = _problem(client.post("/ingest", json=body), 422)
    assert field in problem["errors"]["json"]
    assert database.events == [] and database.outbox == []


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "detail"),
    [
        (b'{"partner_id": "p", "payload": {}}', "text/plain", 415, "must be application/json"),
        (b"\xff\xfe{}", "application/json", 400, "not valid UTF-8"),
        (b'{"partner_id": "p", "payload": {', "application/json", 400, "not valid JSON"),
        (b'{"partner_id": "p", "payload": {"x": NaN}}', "application/json", 400, "not valid JSON"),
        (
            b'{"partner_id": "p", "payload": ' + b"[" * 9 + b"]" * 9 + b"}",
            "application/json",
            400,
            "deeper than 8",
        ),
        (
            b'{"partner_id": "p", "payload": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            "application/json",
            413,
            "limit",
        ),
        (b'{"partner_id": "p", "payload": {"s": "\\ud800"}}', "application/json", 400, "surrogate"),
        (b'{"partner_id": "p", "payload": {"s": "a\\u0000b"}}', "application/json", 400, "NUL"),
        (b'{"partner_id": "p", "payload": {"k\\u0000": 1}}', "application/json", 400, "NUL"),
        (b'{"partner_id": "p", "payload": {"n": 9223372036854775808}}', "application/json", 400, "64-bit"),
        (b'{"partner_id": "p", "payload": {"n": [-9223372036854775809]}}', "application/json", 400, "64-bit"),
    ],
)
def test_a_malformed_body_is_refused_precisely(
    client: FlaskClient, database: InMemoryDatabase, raw: bytes, content_type: str, status: int, detail: str
) -> None:
    problem = _problem(client.post("/ingest", data=raw, content_type=content_type), status)
    assert detail in problem["detail"]
    assert database.events == []


def test_deep_nesting_within_the_size_limit_is_400_not_a_crash(client: FlaskClient) -> None:
    raw = b'{"partner_id": "p", "payload": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    assert len(raw) < 4096
    assert (
        "deeper than 8"
        in _problem(client.post("/ingest", data=raw, content_type="application/json"), 400)["detail"]
    )


def test_idempotency_key_replays_and_refuses_another_body(
    client: FlaskClient, database: InMemoryDatabase
) -> None:
    headers = {"Idempotency-Key": "order-42"}
    first = client.post("/ingest", json=RECORD, headers=headers)
    again = client.post("/ingest", json=RECORD, headers=headers)
    assert (again.status_code, again.get_json(), again.headers["Idempotent-Replayed"]) == (
        201,
        first.get_json(),
        "true",
    )
    other = {**RECORD, "payload": {"name": "Grace"}}
    assert "already used" in _problem(client.post("/ingest", json=other, headers=headers), 422)["detail"]
    assert len(database.events) == 1
    assert (
        "Idempotency-Key"
        in _problem(client.post("/ingest", json=RECORD, headers={"Idempotency-Key": "a b"}), 400)["detail"]
    )


def test_batch_gives_a_result_per_item_and_stores_the_valid_ones(
    client: FlaskClient, database: InMemoryDatabase
) -> None:
    response = client.post("/ingest/batch", json=[RECORD, {"partner_id": "partner123"}, RECORD])
    body = response.get_json()
    assert (response.status_code, body["accepted"], body["rejected"]) == (200, 2, 1)
    assert [item["status"] for item in body["items"]] == [201, 422, 201]
    assert body["items"][1]["problem"]["errors"] == {"payload": ["Missing data for required field."]}
    assert len(database.events) == 2


@pytest.mark.parametrize(("body", "status"), [({"records": []}, 422), ([], 422), ([RECORD] * 4, 413)])
def test_a_batch_that_is_not_a_bounded_array_is_refused(
    client: FlaskClient, database: InMemoryDatabase, body: Any, status: int
) -> None:
    _problem(client.post("/ingest/batch", json=body), status)
    assert database.events == []


def test_amend_with_and_without_if_match(client: FlaskClient) -> None:
    record_id = client.post("/ingest", json=RECORD).get_json()["id"]
    amended = client.put(
        f"/ingest/{record_id}", json={"payload": {"name": "Grace"}}, headers={"If-Match": '"1"'}
    )
    assert (amended.status_code, amended.get_json()["version"], amended.headers["ETag"]) == (200, 2, '"2"')
    stale = _problem(
        client.put(f"/ingest/{record_id}", json={"payload": {"x": 1}}, headers={"If-Match": '"1"'}), 409
    )
    assert stale["current_version"] == 2
    assert client.put(f"/ingest/{record_id}", json={"payload": {"x": 1}}).get_json()["version"] == 3
    _problem(
        client.put(f"/ingest/{record_id}", json={"payload": {"x": 2}}, headers={"If-Match": "nope"}), 400
    )
    _problem(client.put(f"/ingest/{uuid.uuid4()}", json={"payload": {}}), 404)
    _problem(client.put(f"/ingest/{record_id}", json={"payload": {}, "partner_id": "partner123"}), 422)


def test_get_with_as_of_and_the_audit_trail(client: FlaskClient) -> None:
    created = client.post("/ingest", json=RECORD).get_json()
    record_id = created["id"]
    client.put(f"/ingest/{record_id}", json={"payload": {"name": "Grace"}})
    assert client.get(f"/ingest/{record_id}").get_json()["payload"] == {"name": "Grace"}
    then = client.get(f"/ingest/{record_id}", query_string={"as_of": created["timestamp"]}).get_json()
    assert (then["payload"], then["version"]) == (RECORD["payload"], 1)
    _problem(client.get(f"/ingest/{record_id}", query_string={"as_of": "yesterday"}), 422)
    _problem(client.get(f"/ingest/{record_id}", query_string={"as_of": "2026-01-01T00:00:00"}), 422)
    _problem(client.get(f"/ingest/{record_id}", query_string={"as_of": "2000-01-01T00:00:00Z"}), 404)
    events = client.get(f"/ingest/{record_id}/events").get_json()
    assert [(e["type"], e["version"]) for e in events] == [("DataReceived", 1), ("DataAmended", 2)]
    _problem(client.get("/ingest/not-a-uuid"), 404)


def test_a_partner_writes_only_under_its_own_partner_id(
    client: FlaskClient, database: InMemoryDatabase
) -> None:
    problem = _problem(client.post("/ingest", json={**RECORD, "partner_id": "partner456"}), 403)
    assert "partner456" in problem["detail"]
    body = client.post("/ingest/batch", json=[RECORD, {**RECORD, "partner_id": "partner456"}]).get_json()
    assert [item["status"] for item in body["items"]] == [201, 403]
    assert len(database.events) == 1


def test_another_partners_record_does_not_exist_for_the_caller(
    client: FlaskClient, other: FlaskClient
) -> None:
    record_id = client.post("/ingest", json=RECORD).get_json()["id"]
    for response in (
        other.get(f"/ingest/{record_id}"),
        other.get(f"/ingest/{record_id}", query_string={"as_of": "2030-01-01T00:00:00Z"}),
        other.get(f"/ingest/{record_id}/events"),
        other.put(f"/ingest/{record_id}", json={"payload": {"x": 1}}),
    ):
        assert _problem(response, 404)["detail"] == f"No record {record_id}."
    assert client.get(f"/ingest/{record_id}").get_json()["version"] == 1


def test_an_admin_sees_and_writes_for_every_partner(client: FlaskClient, admin: FlaskClient) -> None:
    record_id = client.post("/ingest", json=RECORD).get_json()["id"]
    assert admin.get(f"/ingest/{record_id}").status_code == 200
    assert admin.post("/ingest", json={**RECORD, "partner_id": "partner456"}).status_code == 201


@pytest.mark.parametrize("field", ["id", "version", "status", "timestamp"])
def test_server_owned_fields_are_refused_with_400(
    client: FlaskClient, database: InMemoryDatabase, field: str
) -> None:
    problem = _problem(client.post("/ingest", json={**RECORD, field: "x"}), 400)
    assert problem["fields"] == [field]
    body = client.post("/ingest/batch", json=[{**RECORD, field: 1}]).get_json()
    assert body["items"][0]["status"] == 400
    assert database.events == []


def test_idempotency_keys_are_scoped_to_the_partner(client: FlaskClient, other: FlaskClient) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    first = client.post("/ingest", json=RECORD, headers=headers).get_json()
    theirs = other.post("/ingest", json={**RECORD, "partner_id": "partner456"}, headers=headers)
    assert theirs.status_code == 201 and theirs.get_json()["id"] != first["id"]
