"""Issue 22, against the running stack: no client can lock others out or take the query API's threads,
and nothing a client sends (X-Forwarded-For, Host, a trailing newline) is believed when it should not be.

Each test fails on the code before the fix: X-Forwarded-For was trusted from any loopback peer, failures
were counted per address alone, the per-key rate limit was 100,000 a minute per worker and per route,
waits were unbounded, the Link header was built from the Host header and `^…$` patterns took "x\\n".
"""

from __future__ import annotations

import os
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from eventkit.auth.keys import add_key
from tests.e2e.conftest import ApiKeys
from tests.stack import REPO_ROOT

FAILURE_LIMIT = 60  # AUTH_FAILURE_LIMIT's default, per minute
WEB_WORKERS = 2  # the stack's default (WEB_WORKERS): each worker counts its own failures and waits
WAITS_PER_WORKER = 2  # half of its WEB_THREADS (4)


def _key_file() -> Path:
    run_dir = Path(os.environ.get("RUN_DIR", REPO_ROOT / ".run"))
    return Path(os.environ.get("API_KEYS_FILE", run_dir / "api-keys.json"))


def _guessed_key() -> str:
    """A well-formed key nobody holds, with a key id of its own (so no other test shares its budget)."""
    return f"dik_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"


def _problem(response: requests.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    body: dict[str, object] = response.json()
    return body


def test_rotating_x_forwarded_for_gives_no_fresh_failure_budget(service_urls: dict[str, str]) -> None:
    guessed = _guessed_key()
    with requests.Session() as session:  # one connection: one worker counts every attempt
        statuses = [
            session.get(
                f"{service_urls['query_svc']}/query/stats",
                headers={"Authorization": f"Bearer {guessed}", "X-Forwarded-For": f"198.51.100.{n % 250}"},
                timeout=10,
            ).status_code
            for n in range(FAILURE_LIMIT + 1)
        ]
    assert statuses[:FAILURE_LIMIT] == [401] * FAILURE_LIMIT
    assert statuses[-1] == 429, "a forged X-Forwarded-For bought a fresh budget of failed attempts"


def test_a_valid_key_gets_in_while_its_address_is_throttled_for_another(
    service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    guessed, url = _guessed_key(), f"{service_urls['ingestion_svc']}/ingest/{uuid.uuid4()}"
    with requests.Session() as session:
        for _ in range(FAILURE_LIMIT):
            session.get(url, headers={"Authorization": f"Bearer {guessed}"}, timeout=10)
        refused = session.get(url, headers={"Authorization": f"Bearer {guessed}"}, timeout=10)
        body = _problem(refused, 429)
        assert int(refused.headers["Retry-After"]) >= 1 and "wait" in str(body["detail"])
        # the same address, the same worker: a partner's valid key is not refused for another's failures
        assert session.get(url, headers=api_keys.auth(api_keys.partner), timeout=10).status_code == 404


def test_a_keys_rate_limit_counts_its_requests_across_every_service(service_urls: dict[str, str]) -> None:
    key = add_key(_key_file(), "partner", "partner123", label="e2e rate limit", rate_limit="5/minute")
    auth = {"Authorization": f"Bearer {key}"}
    calls = [
        ("ingestion_svc", f"/ingest/{uuid.uuid4()}"),
        ("query_svc", "/query/stats"),
        ("processing_svc", f"/processing/{uuid.uuid4()}"),
        ("validation_svc", "/validation/rules"),
        ("query_svc", "/query/stats"),
        ("ingestion_svc", f"/ingest/{uuid.uuid4()}"),
    ]
    answers = [requests.get(f"{service_urls[s]}{path}", headers=auth, timeout=10) for s, path in calls]
    assert 429 not in [a.status_code for a in answers[:5]], [a.text for a in answers[:5]]
    refused = answers[5]
    body = _problem(refused, 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60, refused.headers
    assert body["status"] == 429
    assert requests.get(f"{service_urls['ingestion_svc']}/healthz", headers=auth, timeout=10).ok


def test_waits_for_a_version_cannot_take_every_thread(
    service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    url = f"{service_urls['query_svc']}/query/{uuid.uuid4()}?min_version=1&wait_ms=3000"  # a record never written

    def wait() -> int:
        return requests.get(url, headers=api_keys.auth(api_keys.partner), timeout=30).status_code

    with ThreadPoolExecutor(16) as pool:
        waits = [pool.submit(wait) for _ in range(16)]
        health = requests.get(f"{service_urls['query_svc']}/healthz", timeout=30)
        statuses = sorted(w.result() for w in waits)
    assert health.status_code == 200
    assert statuses.count(404) <= WEB_WORKERS * WAITS_PER_WORKER, statuses  # those that waited it out
    assert statuses.count(429) >= 16 - WEB_WORKERS * WAITS_PER_WORKER, statuses


def test_a_refused_wait_says_what_to_do(service_urls: dict[str, str], api_keys: ApiKeys) -> None:
    url = f"{service_urls['query_svc']}/query/{uuid.uuid4()}?min_version=1&wait_ms=2000"
    with ThreadPoolExecutor(2 * WEB_WORKERS * WAITS_PER_WORKER + 1) as pool:
        answers = list(
            pool.map(
                lambda _: requests.get(url, headers=api_keys.auth(api_keys.other), timeout=30),
                range(2 * WEB_WORKERS * WAITS_PER_WORKER + 1),
            )
        )
    refused = [a for a in answers if a.status_code == 429]
    assert refused, [a.status_code for a in answers]
    body = _problem(refused[0], 429)
    assert "without min_version" in str(body["detail"]) and refused[0].headers["Retry-After"] == "1"


def test_the_next_link_does_not_follow_a_forged_host(service_urls: dict[str, str], api_keys: ApiKeys) -> None:
    auth = api_keys.auth(api_keys.partner)
    for _ in range(2):
        record: dict[str, Any] = {"partner_id": "partner123", "payload": {"marker": uuid.uuid4().hex}}
        posted = requests.post(
            f"{service_urls['ingestion_svc']}/ingest", json=record, headers=auth, timeout=10
        )
        assert posted.status_code == 201, posted.text
    # the second record is in the view once it answers version 1 for it
    seen = requests.get(
        f"{service_urls['query_svc']}/query/{posted.json()['id']}?min_version=1&wait_ms=10000",
        headers=auth,
        timeout=30,
    )
    assert seen.headers.get("View-Stale") == "false", seen.text
    response = requests.get(
        f"{service_urls['query_svc']}/query/all?limit=1",
        headers={**auth, "Host": "attacker.example"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    link = response.headers["Link"]
    assert "attacker.example" not in link and link.startswith("</query/all?"), link


@pytest.mark.parametrize("partner_id", ["partner123\n", "partner123\r\n"])
def test_a_partner_id_with_a_trailing_newline_is_refused(
    service_urls: dict[str, str], api_keys: ApiKeys, partner_id: str
) -> None:
    marker = uuid.uuid4().hex
    response = requests.post(
        f"{service_urls['ingestion_svc']}/ingest",
        json={"partner_id": partner_id, "payload": {"marker": marker}},
        headers=api_keys.auth(api_keys.admin),
        timeout=10,
    )
    body = _problem(response, 422)
    assert "partner_id" in str(body["errors"]), body
