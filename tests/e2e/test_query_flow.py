"""The whole system, HTTP in and HTTP out: ingest → validated and processed → complete in the query view;
an amendment → version 2 with the history of both and as_of answering version 1; stable pagination."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import requests

from tests.e2e.conftest import ApiKeys
from tests.helpers import wait_until


def _view(urls: dict[str, str], keys: ApiKeys, record_id: str, **params: Any) -> requests.Response:
    return requests.get(
        f"{urls['query_svc']}/query/{record_id}", params=params, headers=keys.auth(keys.partner), timeout=10
    )


def _complete_at(urls: dict[str, str], keys: ApiKeys, record_id: str, version: int) -> dict[str, Any]:
    """The view the first time it shows the record complete at `version`; any answer other than 200 or
    404 (not visible yet) fails at once with its body."""
    seen: dict[str, Any] = {}

    def complete() -> bool:
        response = _view(urls, keys, record_id)
        assert response.status_code in (200, 404), (
            f"GET /query/{record_id}: {response.status_code} {response.text}"
        )
        seen.clear()
        seen.update(response.json() if response.status_code == 200 else {})
        return bool(seen.get("version") == version and seen.get("status") == "complete")

    wait_until(complete, timeout_s=90, what=f"record {record_id} complete at version {version}")
    return seen


def test_an_acknowledged_record_ends_validated_and_processed_and_amendments_keep_history(
    service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    auth = api_keys.auth(api_keys.partner)
    created = requests.post(
        f"{service_urls['ingestion_svc']}/ingest",
        headers=auth,
        timeout=10,
        json={"partner_id": "partner123", "payload": {"name": "Ada", "age": 30}},
    )
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]

    first = _complete_at(service_urls, api_keys, record_id, 1)
    assert (first["validation"]["status"], first["processing"]["status"]) == ("valid", "processed")
    assert first["processing"]["result"]["enrich"]["age_group"] == "adult"

    amended = requests.put(
        f"{service_urls['ingestion_svc']}/ingest/{record_id}",
        headers={**auth, "If-Match": '"1"'},
        json={"payload": {"name": "Ada", "age": 150}},
        timeout=10,
    )
    assert amended.status_code == 200, amended.text
    second = _complete_at(service_urls, api_keys, record_id, 2)
    assert second["validation"]["status"] == "invalid"  # age outside 0..120 breaks the default rules
    assert second["payload"] == {"name": "Ada", "age": 150}

    history = requests.get(
        f"{service_urls['query_svc']}/query/{record_id}/history", headers=auth, timeout=10
    ).json()
    kinds = sorted((entry["event_type"], entry["record_version"]) for entry in history)
    assert kinds == sorted(
        (kind, version) for kind in ("DataIngested", "DataValidated", "DataProcessed") for version in (1, 2)
    )
    before_amendment = datetime.fromisoformat(amended.json()["updated_at"]) - timedelta(milliseconds=1)
    then = _view(service_urls, api_keys, record_id, as_of=before_amendment.isoformat())
    assert (then.status_code, then.json()["version"], then.json()["payload"]["age"]) == (200, 1, 30)


def test_pages_over_many_records_have_no_duplicates_or_gaps_in_both_directions(
    service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    auth = api_keys.auth(api_keys.other)
    run = uuid.uuid4().hex
    batch: list[dict[str, Any]] = [
        {"partner_id": "partner456", "payload": {"name": f"n{i}", "run": run}} for i in range(27)
    ]
    response = requests.post(
        f"{service_urls['ingestion_svc']}/ingest/batch", json=batch, headers=auth, timeout=30
    )
    assert response.json()["accepted"] == 27, response.text
    ids = {item["id"] for item in response.json()["items"]}

    def listed(sort: str) -> list[str]:
        seen: list[str] = []
        url: str | None = f"{service_urls['query_svc']}/query/all"
        params: dict[str, Any] | None = {"payload.run": run, "limit": 5, "sort": sort}
        while url:
            page = requests.get(url, params=params, headers=auth, timeout=10)
            assert page.status_code == 200, page.text
            seen += [doc["id"] for doc in page.json()]
            following = page.links.get("next", {}).get("url")  # relative: resolved against the page's URL
            url, params = (urljoin(page.url, following) if following else None), None
        return seen

    wait_until(lambda: set(listed("timestamp")) == ids, timeout_s=90, what="all 27 records in the view")
    forward, backward = listed("timestamp"), listed("-timestamp")
    assert len(forward) == len(set(forward)) == 27
    assert backward == list(reversed(forward))


def test_payload_keys_with_dots_and_dollars_reach_the_view_as_sent_and_are_found_escaped(
    service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    auth = api_keys.auth(api_keys.partner)
    run = uuid.uuid4().hex
    payload: dict[str, Any] = {
        "a.b": 1,
        "$x": {"c.d": [{"$e.f": 2}]},
        "matrix": [[1, 2], [[3]]],  # arrays of arrays: FerretDB refuses them unwrapped
        "plain": 3,
        "run": run,
    }
    created = requests.post(
        f"{service_urls['ingestion_svc']}/ingest",
        headers=auth,
        timeout=10,
        json={"partner_id": "partner123", "payload": payload},
    )
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]
    assert _complete_at(service_urls, api_keys, record_id, 1)["payload"] == payload

    amendment = {**payload, "a.b": 10}
    amended = requests.put(
        f"{service_urls['ingestion_svc']}/ingest/{record_id}",
        headers={**auth, "If-Match": '"1"'},
        json={"payload": amendment},
        timeout=10,
    )
    assert amended.status_code == 200, amended.text
    second = _complete_at(service_urls, api_keys, record_id, 2)
    assert (second["payload"], second["processing"]["result"]["payload"]) == (amendment, amendment)

    history = requests.get(
        f"{service_urls['query_svc']}/query/{record_id}/history", headers=auth, timeout=10
    ).json()
    submitted = [e["data"]["payload"] for e in history if e["event_type"] == "DataIngested"]
    assert submitted == [payload, amendment]
    before_amendment = datetime.fromisoformat(amended.json()["updated_at"]) - timedelta(milliseconds=1)
    then = _view(service_urls, api_keys, record_id, as_of=before_amendment.isoformat())
    assert (then.status_code, then.json()["version"], then.json()["payload"]) == (200, 1, payload)

    def found(**params: Any) -> list[dict[str, Any]]:
        response = requests.get(
            f"{service_urls['query_svc']}/query/all",
            params={"payload.run": run, **params},
            headers=auth,
            timeout=10,
        )
        assert response.status_code == 200, response.text
        listed: list[dict[str, Any]] = response.json()
        return listed

    assert [r["id"] for r in found(filter='{"payload.a%2Eb": 10}')] == [record_id]
    assert [r["id"] for r in found(**{"payload.%24x.c%2Ed.%24e%2Ef": 2})] == [record_id]
    assert found(**{"payload.a%2Eb": 1}) == []  # version 1's value is in the history only
    assert found(fields="id,payload.a%2Eb,payload.plain") == [
        {"id": record_id, "payload": {"a.b": 10, "plain": 3}}
    ]
