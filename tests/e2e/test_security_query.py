"""Issue 22, against the running stack: page cursors cannot be forged and a page's size is bounded.

Each test fails on the code before the fix: a cursor was base64 JSON behind an unkeyed digest any client
could recompute (so a client could write its own), and `limit=1000` of 1 MiB payloads was read and
rendered whole by one request.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import requests

from query_svc.application.cursor import query_fingerprint
from query_svc.application.listing import parse_sort
from query_svc.application.queries import DEFAULT_PAGE_BYTES, scope_for
from tests.e2e.conftest import ApiKeys

PAYLOAD_BYTES = 900 * 1024  # under ingestion's 1 MiB body limit
RECORDS = 6  # 5.4 MB in all: more than one page's budget (QUERY_MAX_PAGE_BYTES, 4 MiB by default)


def _problem(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    return body


def _self_made_cursor(values: list[Any]) -> str:
    """A cursor written by a client: the body the service used to issue, with the digest it can recompute."""
    scoped = {"$and": [scope_for("partner123")]}
    fingerprint = query_fingerprint(scoped, parse_sort(None))
    body = json.dumps({"v": values, "q": fingerprint}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def test_a_cursor_written_by_the_client_is_refused(service_urls: dict[str, str], api_keys: ApiKeys) -> None:
    url = f"{service_urls['query_svc']}/query/all"
    for values in (["2026-01-01T00:00:00+00:00", ""], [None, ""], [{"$date": "2026-01-01T00:00:00Z"}, "z"]):
        response = requests.get(
            url,
            params={"cursor": _self_made_cursor(values)},
            headers=api_keys.auth(api_keys.partner),
            timeout=10,
        )
        body = _problem(response, 400)
        assert "not one this service issued" in body["detail"], body


def test_an_issued_cursor_altered_or_carried_to_another_partner_is_refused(
    service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    url = f"{service_urls['query_svc']}/query/all"
    for _ in range(2):
        posted = requests.post(
            f"{service_urls['ingestion_svc']}/ingest",
            json={"partner_id": "partner123", "payload": {"marker": uuid.uuid4().hex}},
            headers=api_keys.auth(api_keys.partner),
            timeout=10,
        )
        assert posted.status_code == 201, posted.text
    _wait_for_version(service_urls, api_keys, posted.json()["id"])
    first = requests.get(url, params={"limit": "1"}, headers=api_keys.auth(api_keys.partner), timeout=10)
    cursor = first.headers["Next-Cursor"]
    assert requests.get(
        url, params={"limit": "1", "cursor": cursor}, headers=api_keys.auth(api_keys.partner), timeout=10
    ).ok
    flipped = ("B" if cursor[0] == "A" else "A") + cursor[1:]  # the signature's first character
    _problem(
        requests.get(url, params={"cursor": flipped}, headers=api_keys.auth(api_keys.partner), timeout=10),
        400,
    )
    carried = requests.get(
        url, params={"limit": "1", "cursor": cursor}, headers=api_keys.auth(api_keys.other), timeout=10
    )
    _problem(carried, 400)


def test_a_page_of_large_records_stops_at_the_byte_budget(
    service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    marker, auth = uuid.uuid4().hex, api_keys.auth(api_keys.partner)
    ids = []
    for i in range(RECORDS):
        record: dict[str, Any] = {
            "partner_id": "partner123",
            "payload": {"marker": marker, "i": i, "blob": "x" * PAYLOAD_BYTES},
        }
        posted = requests.post(
            f"{service_urls['ingestion_svc']}/ingest", json=record, headers=auth, timeout=30
        )
        assert posted.status_code == 201, posted.text
        ids.append(posted.json()["id"])
    for data_id in ids:
        _wait_for_version(service_urls, api_keys, data_id)
    url = f"{service_urls['query_svc']}/query/all"
    params: dict[str, Any] = {"limit": 1000, "payload.marker": marker, "sort": "timestamp"}
    first = requests.get(url, params=params, headers=auth, timeout=60)
    assert first.status_code == 200, first.text
    # the page ends once its records pass the budget: at most the budget plus the record that passed it
    assert 0 < len(first.json()) < RECORDS
    assert len(first.content) <= DEFAULT_PAGE_BYTES + 2 * PAYLOAD_BYTES
    seen = [r["id"] for r in first.json()]
    cursor = first.headers.get("Next-Cursor")
    while cursor:
        page = requests.get(url, params={**params, "cursor": cursor}, headers=auth, timeout=60)
        assert page.status_code == 200, page.text
        seen += [r["id"] for r in page.json()]
        cursor = page.headers.get("Next-Cursor")
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))


def _wait_for_version(service_urls: dict[str, str], api_keys: ApiKeys, data_id: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen = requests.get(
            f"{service_urls['query_svc']}/query/{data_id}",
            params={"min_version": 1, "wait_ms": 5000},
            headers=api_keys.auth(api_keys.admin),
            timeout=30,
        )
        if seen.status_code == 200 and seen.headers.get("View-Stale") == "false":
            return
    raise AssertionError(f"record {data_id} did not reach the view within 60 s")
