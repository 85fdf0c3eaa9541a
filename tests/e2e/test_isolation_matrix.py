"""Guarantee 8 as a matrix: every route of every running service (read from its OpenAPI document) and every
route of the operator console (read from its Flask URL map, as the console is outside the OpenAPI document)
by every kind of caller (for the services' routes also a key of role service, which reaches
/internal/keys/unwrap and nothing else), each cell with its expected status. A route missing from EXPECTED or CONSOLE fails
the test. What the answers contain is checked in test_isolation_content.py."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from eventkit.auth.keys import add_key
from tests.e2e.conftest import E2E_KEY_RATE, ApiKeys
from tests.e2e.isolation import anonymous, console_routes, sign_in
from tests.helpers import wait_until
from tests.stack import REPO_ROOT

PRINCIPALS = ("none", "malformed", "revoked", "other", "own", "admin")
API_PRINCIPALS = (*PRINCIPALS, "service")
OPEN = dict.fromkeys(API_PRINCIPALS, 200)


def _guarded(other: int, own: int, admin: int, service: int = 403) -> dict[str, int]:
    return {
        "none": 401,
        "malformed": 401,
        "revoked": 401,
        "other": other,
        "own": own,
        "admin": admin,
        "service": service,
    }


@dataclass(frozen=True)
class Cell:
    statuses: dict[str, int]
    body: Callable[[str], Any] | None = None  # given the subject record id
    fresh: bool = False  # the route ends the subject's life (DELETE), so each principal gets a new one


RECORD: dict[str, Any] = {"partner_id": "partner123", "payload": {"name": "Matrix", "age": 40}}

# (service, METHOD, OpenAPI path) -> expected status per principal. The subject is partner123's record.
EXPECTED: dict[tuple[str, str, str], Cell] = {
    **{
        (svc, "GET", path): Cell(OPEN)
        for svc in ("ingestion_svc", "query_svc", "processing_svc", "validation_svc")
        for path in ("/healthz", "/readyz", "/metrics")
    },
    ("ingestion_svc", "POST", "/ingest"): Cell(_guarded(403, 201, 201), lambda _: RECORD),
    ("ingestion_svc", "POST", "/ingest/batch"): Cell(_guarded(200, 200, 200), lambda _: [RECORD]),
    ("ingestion_svc", "PUT", "/ingest/{record_id}"): Cell(
        _guarded(404, 200, 200), lambda _: {"payload": {"name": "Matrix", "n": uuid.uuid4().hex}}
    ),
    ("ingestion_svc", "GET", "/ingest/{record_id}"): Cell(_guarded(404, 200, 200)),
    ("ingestion_svc", "GET", "/ingest/{record_id}/events"): Cell(_guarded(404, 200, 200)),
    ("ingestion_svc", "DELETE", "/ingest/{record_id}"): Cell(
        _guarded(404, 200, 200), lambda _: {"reason": "isolation matrix"}, fresh=True
    ),
    ("ingestion_svc", "POST", "/internal/keys/unwrap"): Cell(
        _guarded(403, 403, 403, service=200), lambda subject: {"data_ids": [subject]}
    ),
    ("query_svc", "GET", "/query/{record_id}"): Cell(_guarded(404, 200, 200)),
    ("query_svc", "GET", "/query/{record_id}/history"): Cell(_guarded(404, 200, 200)),
    ("query_svc", "GET", "/query/all"): Cell(_guarded(200, 200, 200)),
    ("query_svc", "GET", "/query/partner/{partner_id}"): Cell(_guarded(200, 200, 200)),  # another's: []
    ("query_svc", "POST", "/query/search"): Cell(
        _guarded(200, 200, 200), lambda _: {"filter": {"status": "complete"}}
    ),
    ("query_svc", "GET", "/query/stats"): Cell(_guarded(200, 200, 200)),
    ("query_svc", "GET", "/query/indexes"): Cell(_guarded(200, 200, 200)),  # each sees its own declarations
    ("query_svc", "GET", "/query/projections"): Cell(_guarded(403, 403, 200)),
    ("query_svc", "POST", "/query/projections/rebuild"): Cell(_guarded(403, 403, 202)),
    ("query_svc", "GET", "/query/projections/rebuild/{job_id}"): Cell(_guarded(403, 403, 404)),  # no such job
    ("query_svc", "DELETE", "/query/projections/rebuild/{job_id}"): Cell(_guarded(403, 403, 404)),
    ("query_svc", "GET", "/admin/dead-letters"): Cell(_guarded(403, 403, 200)),
    ("query_svc", "POST", "/admin/dead-letters/redrive"): Cell(
        _guarded(403, 403, 404), lambda _: {"dead_letter_topic": f"no-such-{uuid.uuid4().hex}-DLQ"}
    ),
    ("validation_svc", "GET", "/validation/rules"): Cell(_guarded(200, 200, 200)),
    ("validation_svc", "GET", "/validation/{record_id}"): Cell(_guarded(404, 200, 200)),
    ("processing_svc", "GET", "/processing/{record_id}"): Cell(_guarded(404, 200, 200)),
}


def _routes(base: str) -> list[tuple[str, str]]:
    spec = requests.get(f"{base}/openapi.json", timeout=10).json()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _raw_key(principal: str, keys: ApiKeys, service_key: str | None = None) -> str | None:
    values = {
        "malformed": "dik_not-a-key",
        "revoked": keys.revoked,
        "other": keys.other,
        "own": keys.partner,
        "admin": keys.admin,
        "service": service_key,
    }
    return values.get(principal)


def _key(principal: str, keys: ApiKeys, service_key: str | None = None) -> dict[str, str]:
    key = _raw_key(principal, keys, service_key)
    return {} if key is None else keys.auth(key)


@pytest.fixture(scope="module")
def service_key() -> str:
    """A key of role service, added to the stack's key file as the e2e keys are."""
    run_dir = Path(os.environ.get("RUN_DIR", REPO_ROOT / ".run"))
    path = Path(os.environ.get("API_KEYS_FILE", run_dir / "api-keys.json"))
    return add_key(path, "service", label="e2e matrix", rate_limit=E2E_KEY_RATE)


def _new_record(service_urls: dict[str, str], api_keys: ApiKeys) -> str:
    response = requests.post(
        f"{service_urls['ingestion_svc']}/ingest",
        json=RECORD,
        headers=api_keys.auth(api_keys.partner),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _answers(url: str, headers: dict[str, str]) -> Callable[[], bool]:
    return lambda: requests.get(url, headers=headers, timeout=10).status_code == 200


@pytest.fixture(scope="module")
def subject(service_urls: dict[str, str], api_keys: ApiKeys) -> str:
    record_id = _new_record(service_urls, api_keys)
    # The views are eventually consistent: wait until every service has seen the subject.
    for url in (
        f"{service_urls['query_svc']}/query/{record_id}?min_version=1&wait_ms=2000",
        f"{service_urls['validation_svc']}/validation/{record_id}",
        f"{service_urls['processing_svc']}/processing/{record_id}",
    ):
        wait_until(_answers(url, api_keys.auth(api_keys.admin)), timeout_s=120, what=f"the subject at {url}")
    return record_id


def test_every_route_of_every_service_is_in_the_matrix(service_urls: dict[str, str]) -> None:
    missing = [
        (svc, m, p)
        for svc, base in service_urls.items()
        for m, p in _routes(base)
        if (svc, m, p) not in EXPECTED and not p.startswith("/docs")
    ]
    assert not missing, f"routes without isolation expectations (add them to EXPECTED): {missing}"


def test_the_matrix(service_urls: dict[str, str], api_keys: ApiKeys, service_key: str, subject: str) -> None:
    failures, cells = [], 0
    for (svc, method, path), cell in EXPECTED.items():
        for principal in API_PRINCIPALS:
            record_id = _new_record(service_urls, api_keys) if cell.fresh else subject
            url = service_urls[svc] + path.replace("{record_id}", record_id).replace(
                "{partner_id}", "partner123"
            )
            body = cell.body(record_id) if cell.body else None
            headers = _key(principal, api_keys, service_key)
            response = requests.request(method, url, json=body, headers=headers, timeout=10)
            cells += 1
            expected = cell.statuses[principal]
            if response.status_code != expected:
                failures.append(
                    f"{method} {svc}{path} as {principal}: {response.status_code}, expected {expected}"
                )
            elif expected == 401 and "WWW-Authenticate" not in response.headers:
                failures.append(f"{method} {svc}{path} as {principal}: 401 without WWW-Authenticate")
            if path == "/query/projections/rebuild" and response.status_code == 202:
                _wait_for_rebuilds(service_urls["query_svc"], api_keys)
    assert not failures, "\n".join(failures)
    assert cells == len(EXPECTED) * len(API_PRINCIPALS)


def test_a_key_in_the_url_is_refused_by_every_service(
    service_urls: dict[str, str], api_keys: ApiKeys
) -> None:
    for base in service_urls.values():
        response = requests.get(
            f"{base}/openapi.json",
            params={"api_key": api_keys.admin},
            headers=api_keys.auth(api_keys.admin),
            timeout=10,
        )
        assert response.status_code in (200, 400)  # open endpoints ignore keys
    response = requests.get(
        f"{service_urls['ingestion_svc']}/ingest/{uuid.uuid4()}",
        params={"api_key": api_keys.admin},
        headers=api_keys.auth(api_keys.admin),
        timeout=10,
    )
    assert response.status_code == 400


SIGNED_OUT = ("none", "malformed", "revoked")  # the console refuses the last two at sign-in


def _console(anonymous: int, other: int, own: int, admin: int) -> dict[str, int]:
    return {**dict.fromkeys(SIGNED_OUT, anonymous), "other": other, "own": own, "admin": admin}


@dataclass(frozen=True)
class ConsoleCell:
    statuses: dict[str, int]
    form: Callable[[str | None], dict[str, str]] | None = None  # given the principal's key
    fresh: bool = False  # the route signs in or out, so each cell gets a session of its own


PAGE = _console(302, 200, 200, 200)  # 302: signed-out callers go to the sign-in page
SCRIPT = _console(401, 403, 403, 200)  # the console's JSON for scripts, relayed from the admin-only API

# (METHOD, console URL rule) -> expected status per principal, signed in with that principal's key.
CONSOLE: dict[tuple[str, str], ConsoleCell] = {
    ("GET", "/static/<path:filename>"): ConsoleCell(_console(200, 200, 200, 200)),
    ("GET", "/login"): ConsoleCell(_console(200, 302, 302, 302)),
    ("POST", "/login"): ConsoleCell(_console(401, 302, 302, 302), lambda key: {"key": key or ""}, fresh=True),
    ("POST", "/logout"): ConsoleCell(_console(302, 302, 302, 302), fresh=True),
    ("GET", "/"): ConsoleCell(PAGE),
    ("GET", "/records"): ConsoleCell(PAGE),
    ("GET", "/records/<record_id>"): ConsoleCell(_console(302, 404, 200, 200)),
    ("GET", "/dead-letters"): ConsoleCell(PAGE),  # a partner's page says the panel is forbidden
    # Actions redirect back to their page, which says whether the API took them.
    ("POST", "/dead-letters/redrive"): ConsoleCell(
        _console(302, 302, 302, 302), lambda _: {"dead_letter_topic": f"no-such-{uuid.uuid4().hex}-DLQ"}
    ),
    ("POST", "/rebuild"): ConsoleCell(_console(302, 302, 302, 302)),
    ("POST", "/api/rebuild"): ConsoleCell(_console(401, 403, 403, 202)),
    ("GET", "/api/rebuild/<job_id>"): ConsoleCell(_console(401, 403, 403, 404)),  # no such job
    ("GET", "/api/projections"): ConsoleCell(SCRIPT),
}


def test_every_console_route_is_in_the_matrix(tmp_path: Path) -> None:
    routes = console_routes(tmp_path / "api-keys.json")
    missing = [route for route in routes if route not in CONSOLE]
    assert not missing, f"console routes without isolation expectations (add them to CONSOLE): {missing}"
    stale = [route for route in CONSOLE if route not in routes]
    assert not stale, f"CONSOLE names routes the console no longer has: {stale}"


def test_the_console_matrix(service_urls: dict[str, str], api_keys: ApiKeys, subject: str) -> None:
    base = f"{service_urls['query_svc']}/console"
    sessions = {p: sign_in(base, _raw_key(p, api_keys)) for p in PRINCIPALS}
    failures, cells = [], 0
    for (method, rule), cell in CONSOLE.items():
        path = _console_path(rule, subject)
        for principal in PRINCIPALS:
            key = _raw_key(principal, api_keys)
            session = sessions[principal]
            if cell.fresh:
                session = anonymous(base) if rule == "/login" else sign_in(base, key)
            response = session.request(method, path, cell.form(key) if cell.form else None)
            cells += 1
            failures += _console_failures(method, path, principal, cell, response)
            if principal == "admin" and rule in ("/rebuild", "/api/rebuild"):
                _wait_for_rebuilds(service_urls["query_svc"], api_keys)
    assert not failures, "\n".join(failures)
    assert cells == len(CONSOLE) * len(PRINCIPALS)


def _console_path(rule: str, subject: str) -> str:
    return (
        rule.replace("<path:filename>", "console.css")
        .replace("<record_id>", subject)
        .replace("<job_id>", f"no-such-{uuid.uuid4().hex}")
    )


def _console_failures(
    method: str, path: str, principal: str, cell: ConsoleCell, response: requests.Response
) -> list[str]:
    where = f"{method} /console{path} as {principal}"
    expected = cell.statuses[principal]
    if response.status_code != expected:
        return [f"{where}: {response.status_code}, expected {expected}"]
    if expected == 302:
        # Signed out, every page but the sign-in page itself leads to it; signed in, none does but sign-out.
        to_sign_in = "/console/login" in response.headers.get("Location", "")
        if to_sign_in != (principal in SIGNED_OUT or path == "/logout"):
            return [f"{where}: redirected to {response.headers.get('Location')}"]
    return []


def _wait_for_rebuilds(query_url: str, api_keys: ApiKeys) -> None:
    """Waits until no rebuild is running, so none the matrix started switches the view's generation under
    the tests that run next."""

    def finished() -> bool:
        answer = requests.get(
            f"{query_url}/query/projections", headers=api_keys.auth(api_keys.admin), timeout=10
        )
        return all(job["state"] in ("done", "failed", "cancelled") for job in answer.json()["jobs"])

    wait_until(finished, timeout_s=300, what="the matrix's rebuilds finished")
