"""HTTP in at ingestion, through Pulsar to processing, its step events out at GET /processing/{id}."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.e2e.conftest import ApiKeys
from tests.helpers import wait_until


def _ingest(urls: dict[str, str], keys: ApiKeys, payload: dict[str, Any]) -> str:
    response = requests.post(
        f"{urls['ingestion_svc']}/ingest",
        json={"partner_id": "partner123", "payload": payload},
        headers=keys.auth(keys.partner),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _steps(urls: dict[str, str], keys: ApiKeys, record_id: str, key: str | None = None) -> requests.Response:
    return requests.get(
        f"{urls['processing_svc']}/processing/{record_id}", headers=keys.auth(key or keys.partner), timeout=10
    )


def _processed(urls: dict[str, str], keys: ApiKeys, record_id: str, events: int) -> list[dict[str, Any]]:
    wait_until(
        lambda: (
            _steps(urls, keys, record_id).status_code == 200
            and len(_steps(urls, keys, record_id).json()) >= events
        ),
        timeout_s=60,
        what=f"{events} step events of {record_id}",
    )
    body: list[dict[str, Any]] = _steps(urls, keys, record_id).json()
    return body


def test_a_record_and_its_duplicate_are_processed(service_urls: dict[str, str], api_keys: ApiKeys) -> None:
    marker = uuid.uuid4().hex
    first = _ingest(service_urls, api_keys, {"name": f"Ada {marker}", "age": 36})
    second = _ingest(service_urls, api_keys, {"age": 36, "name": f"  Ada   {marker} "})
    steps = _processed(service_urls, api_keys, first, 4)
    assert [e["data"]["step"] for e in steps] == ["normalize", "enrich", "fingerprint", "quality"]
    assert all(e["event_type"] == "StepSucceeded" for e in steps)
    fingerprint = _processed(service_urls, api_keys, second, 4)[2]["data"]["details"]
    assert fingerprint["duplicate_of"] == first
    assert _steps(service_urls, api_keys, first, api_keys.other).status_code == 404
    assert _steps(service_urls, api_keys, first, api_keys.admin).status_code == 200


def test_an_amendment_is_processed_again(service_urls: dict[str, str], api_keys: ApiKeys) -> None:
    record_id = _ingest(service_urls, api_keys, {"name": "Before", "age": 10})
    _processed(service_urls, api_keys, record_id, 4)
    response = requests.put(
        f"{service_urls['ingestion_svc']}/ingest/{record_id}",
        json={"payload": {"name": "After", "age": 999}},
        headers=api_keys.auth(api_keys.partner),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    steps = _processed(service_urls, api_keys, record_id, 8)
    assert [e["data"]["record_version"] for e in steps] == [1] * 4 + [2] * 4
    assert [e["event_type"] for e in steps[4:]] == [
        "StepSucceeded",
        "StepFailed",
        "StepSkipped",
        "StepSkipped",
    ]
