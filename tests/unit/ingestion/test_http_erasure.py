"""DELETE /ingest/{id}, the 410s after it, and POST /internal/keys/unwrap on in-memory adapters."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from eventkit.auth.keys import add_key
from eventkit.eventstore.memory import InMemoryDatabase
from ingestion_svc.adapters.memory import InMemoryKeyTable
from tests.api_keys import TestKeys
from tests.unit.ingestion.support import http_client

RECORD = {"partner_id": "partner123", "payload": {"name": "Ada", "age": 30}}


@pytest.fixture
def service(database: InMemoryDatabase, data_keys: InMemoryKeyTable, keys: TestKeys) -> FlaskClient:
    """A client holding a service key; its bodies may hold 500 ids."""
    return http_client(database, data_keys, keys, add_key(keys.path, "service"), MAX_BODY_BYTES="65536")


def _created(client: FlaskClient) -> str:
    response = client.post("/ingest", json=RECORD)
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.get_json()["id"])


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    return body


def test_delete_erases_and_answers_who_and_when(client: FlaskClient, keys: TestKeys) -> None:
    record_id = _created(client)
    response = client.delete(f"/ingest/{record_id}", json={"reason": "asked by the data subject"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"id", "partner_id", "erased_at", "erased_by"}
    assert (body["id"], body["partner_id"]) == (record_id, "partner123")
    assert body["erased_by"].startswith("partner:partner123:")
    assert keys.partner not in body["erased_by"]  # the key's id, never the key


def test_after_delete_reads_answer_no_payload_and_writes_answer_410(client: FlaskClient) -> None:
    record_id = _created(client)
    created_at = client.get(f"/ingest/{record_id}").get_json()["timestamp"]
    erased_at = client.delete(f"/ingest/{record_id}").get_json()["erased_at"]
    for as_of in ({}, {"as_of": created_at}):
        record = client.get(f"/ingest/{record_id}", query_string=as_of).get_json()
        assert (record["payload"], record["erased_at"], record["version"]) == (None, erased_at, 1)
        assert record["status"] == "erased"
    again = _problem(client.delete(f"/ingest/{record_id}"), 410)
    amend = _problem(client.put(f"/ingest/{record_id}", json={"payload": {"name": "back"}}), 410)
    for problem in (again, amend):
        assert problem["erased_at"] == erased_at
        assert f"was erased at {erased_at}" in problem["detail"]
    trail = client.get(f"/ingest/{record_id}/events").get_json()
    assert [e["type"] for e in trail] == ["DataReceived", "DataErased"]
    assert "Ada" not in str(trail) and all("sealed_payload" not in e["data"] for e in trail)
    assert trail[-1]["data"]["reason"] is None


def test_a_live_record_reads_with_its_payload_and_no_erasure(client: FlaskClient) -> None:
    record_id = _created(client)
    record = client.get(f"/ingest/{record_id}").get_json()
    assert (record["payload"], record["erased_at"], record["status"]) == (RECORD["payload"], None, "stored")
    trail = client.get(f"/ingest/{record_id}/events").get_json()
    # While the record lives its audit trail shows each version as sent, never the ciphertext.
    assert [e["data"]["payload"] for e in trail] == [RECORD["payload"]]
    assert all("sealed_payload" not in e["data"] for e in trail)


def test_another_partner_cannot_erase_and_the_record_stays(client: FlaskClient, other: FlaskClient) -> None:
    record_id = _created(client)
    _problem(other.delete(f"/ingest/{record_id}"), 404)
    assert client.get(f"/ingest/{record_id}").get_json()["payload"] == RECORD["payload"]


def test_an_admin_may_erase_any_record(client: FlaskClient, admin: FlaskClient) -> None:
    record_id = _created(client)
    assert admin.delete(f"/ingest/{record_id}").get_json()["erased_by"].startswith("admin:*:")
    assert client.get(f"/ingest/{record_id}").get_json()["payload"] is None


def test_an_unknown_record_is_404(client: FlaskClient) -> None:
    _problem(client.delete(f"/ingest/{uuid.uuid4()}"), 404)


@pytest.mark.parametrize(
    "body",
    [{"reason": "x" * 501}, {"reason": 7}, {"why": "typo"}, ["reason"], "reason"],
)
def test_a_bad_erasure_body_is_422_and_erases_nothing(client: FlaskClient, body: Any) -> None:
    record_id = _created(client)
    _problem(client.delete(f"/ingest/{record_id}", json=body), 422)
    assert client.get(f"/ingest/{record_id}").get_json()["erased_at"] is None


def test_a_replayed_create_of_an_erased_record_answers_the_first_receipt(client: FlaskClient) -> None:
    headers = {"Idempotency-Key": "create-1"}
    first = client.post("/ingest", json=RECORD, headers=headers)
    client.delete(f"/ingest/{first.get_json()['id']}")
    again = client.post("/ingest", json=RECORD, headers=headers)
    assert (again.status_code, again.get_json()) == (201, first.get_json())
    assert again.headers["Idempotent-Replayed"] == "true"


def test_unwrap_answers_live_erased_and_unknown_records(client: FlaskClient, service: FlaskClient) -> None:
    live, erased, unknown = _created(client), _created(client), str(uuid.uuid4())
    client.delete(f"/ingest/{erased}")
    response = service.post("/internal/keys/unwrap", json={"data_ids": [live, erased, unknown]})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (list(body["keys"]), body["erased"], body["unknown"]) == ([live], [erased], [unknown])
    assert len(base64.b64decode(body["keys"][live])) == 32


def test_unwrap_is_for_service_keys_only(client: FlaskClient, admin: FlaskClient) -> None:
    body = {"data_ids": [_created(client)]}
    for caller in (client, admin):
        _problem(caller.post("/internal/keys/unwrap", json=body), 403)


def test_a_service_key_reaches_no_other_route(client: FlaskClient, service: FlaskClient) -> None:
    record_id = _created(client)
    for method, url, body in (
        ("POST", "/ingest", RECORD),
        ("POST", "/ingest/batch", [RECORD]),
        ("GET", f"/ingest/{record_id}", None),
        ("GET", f"/ingest/{record_id}/events", None),
        ("PUT", f"/ingest/{record_id}", {"payload": {}}),
        ("DELETE", f"/ingest/{record_id}", None),
    ):
        _problem(service.open(url, method=method, json=body), 403)
    assert client.get(f"/ingest/{record_id}").get_json()["erased_at"] is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"data_ids": []},
        {"data_ids": ["not-a-uuid"]},
        {"data_ids": [str(uuid.uuid4()) for _ in range(501)]},
        {"data_ids": "x"},
        {"data_ids": [str(uuid.uuid4())], "more": 1},
        [str(uuid.uuid4())],
    ],
)
def test_a_bad_unwrap_body_is_422(service: FlaskClient, body: Any) -> None:
    _problem(service.post("/internal/keys/unwrap", json=body), 422)


def test_unwrap_takes_500_ids(service: FlaskClient) -> None:
    ids = [str(uuid.uuid4()) for _ in range(500)]
    response = service.post("/internal/keys/unwrap", json={"data_ids": ids})
    assert (response.status_code, len(response.get_json()["unknown"])) == (200, 500)
