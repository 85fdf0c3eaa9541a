"""Hostile query parameters on every route of every service, the console's included: no answer is a 500, and
every 4xx of an API is problem+json saying what is wrong.

The routes are read from each service's OpenAPI document and from its apps' own URL maps (the console is
outside the documents); a route this file does not know how to call safely fails the inventory test.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import requests
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ingestion_svc.bootstrap
import ingestion_svc.settings
import processing_svc.bootstrap
import processing_svc.settings
import query_svc.bootstrap
import query_svc.settings
import validation_svc.bootstrap
import validation_svc.settings
from eventkit.auth.keys import add_key
from eventkit.settings import Env
from query_svc.application.cursor import SIGNATURE_CHARS
from tests.e2e.conftest import ApiKeys
from tests.e2e.isolation import COOKIE, sign_in
from tests.helpers import wait_until

Route = tuple[str, str, str]  # service, METHOD, path as OpenAPI writes it (/query/{record_id})
CONSOLE = "/console"
APPS: dict[str, Callable[[Env], Flask]] = {
    "ingestion_svc": lambda env: ingestion_svc.bootstrap.create_app(
        ingestion_svc.settings.Settings.from_env(env)
    ),
    "query_svc": lambda env: query_svc.bootstrap.create_app(query_svc.settings.Settings.from_env(env)),
    "processing_svc": lambda env: processing_svc.bootstrap.create_app(
        processing_svc.settings.Settings.from_env(env)
    ),
    "validation_svc": lambda env: validation_svc.bootstrap.create_app(
        validation_svc.settings.Settings.from_env(env)
    ),
}

# Parameters the routes read without declaring them (grep request.args): the list's `field__op=value`
# shorthand reads any name, the console its own controls. Every route also gets `x`, which nothing reads.
_LIST = (
    "filter", "sort", "fields", "limit", "cursor",
    "payload.name", "version__gt", "payload.tags__in", "status__size", "partner_id__exists", "payload.n__regex",
)  # fmt: skip
READS: dict[Route, tuple[str, ...]] = {
    ("query_svc", "GET", "/query/all"): _LIST,
    ("query_svc", "GET", "/query/partner/{partner_id}"): _LIST,
    ("query_svc", "GET", "/query/{record_id}"): ("as_of", "min_version", "wait_ms"),
    ("query_svc", "GET", "/admin/dead-letters"): ("sample",),
    ("ingestion_svc", "GET", "/ingest/{record_id}"): ("as_of",),
    ("query_svc", "GET", "/console/records"): ("q", "sort", "limit", "cursor", "trail"),
    ("query_svc", "GET", "/console/records/{record_id}"): ("as_of",),
    ("query_svc", "GET", "/console/login"): ("next",),
}
# How to call the routes that change something without changing anything: a body refused before any effect
# (webargs and the routes parse it before acting), or no CSRF token (the console refuses the POST first).
INVALID_JSON = b"["
REFUSED: dict[Route, bytes | None] = {
    ("ingestion_svc", "POST", "/ingest"): INVALID_JSON,
    ("ingestion_svc", "POST", "/ingest/batch"): INVALID_JSON,
    ("ingestion_svc", "PUT", "/ingest/{record_id}"): INVALID_JSON,
    ("ingestion_svc", "DELETE", "/ingest/{record_id}"): INVALID_JSON,  # refused before any erasure
    ("ingestion_svc", "POST", "/internal/keys/unwrap"): INVALID_JSON,  # a partner's or admin's key: 403
    ("query_svc", "POST", "/query/search"): INVALID_JSON,
    ("query_svc", "POST", "/admin/dead-letters/redrive"): INVALID_JSON,
    ("query_svc", "DELETE", "/query/projections/rebuild/{job_id}"): None,  # no such job
    **{("query_svc", "POST", f"{CONSOLE}{rule}"): None for rule in
       ("/login", "/logout", "/rebuild", "/api/rebuild", "/dead-letters/redrive")},
}  # fmt: skip
# A rebuild takes no body to refuse, so only a partner key calls it (403): an admin's would start one.
PARTNER_ONLY = {("query_svc", "POST", "/query/projections/rebuild")}
PATH_VALUES = {"partner_id": "partner123", "job_id": "no-such-job", "filename": "console.css"}


def _q(text: str) -> str:
    return quote(text, safe="")


# Label -> the value as it stands in the query string (some are deliberately not valid percent-encoding).
HOSTILE: dict[str, str] = {
    "superscript two": _q("²"),
    "arabic-indic three": _q("٣"),
    "full-width one": _q("\uff11"),
    "minus one": "-1",
    "zero": "0",
    "2**64": str(2**64),
    "below int64": str(-(2**63) - 1),
    "1e309": "1e309",
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "empty": "",
    "blank": _q(" "),
    "20,000 [": _q("[" * 20_000),
    "20,000 {": _q("{" * 20_000),
    "50,000 [": _q("[" * 50_000),
    "50,000 {": _q("{" * 50_000),
    "invalid JSON": _q('{"a":'),
    "JSON NaN": _q('{"version": NaN}'),
    "JSON operator": _q('{"$where": "sleep(1000)"}'),
    "JSON big integer": _q('{"version": 18446744073709551616}'),
    "JSON date beyond UTC": _q('{"timestamp": {"$gt": "9999-12-31T23:59:59-23:59"}}'),
    "date beyond UTC": _q("9999-12-31T23:59:59-23:59"),
    "date before UTC": _q("0001-01-01T00:00:00+23:59"),
    "naive date": _q("2026-01-01T00:00:00"),
    "100 kB": "a" * 100_000,
    "NUL": "%00",
    "control characters": _q("\x01\x1b[31m\x7f\r\n"),
    "right-to-left override": _q("\u202e"),
    "%FF": "%FF",
    "overlong slash": "%C0%AF",
    "UTF-8 surrogate": "%ED%A0%80",
    "lone percent": "%",
    "bad escape": "%zz",
    "regex bomb": _q("(a+)+$"),
    "commas": _q(",,,"),
    "dotted": _q("payload..x"),
    "sort by id descending": "-id",
}


NOBODY_READS = [
    HOSTILE[label] for label in ("superscript two", "NUL", "%FF", "50,000 [", "100 kB", "lone percent")
]


@dataclass(frozen=True)
class Caller:
    """Who sends: a key in the Authorization header, or a signed-in console session's cookie."""

    name: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Probe:
    route: Route
    caller: Caller
    url: str
    body: bytes | None


@dataclass(frozen=True)
class Stack:
    urls: dict[str, str]
    api: tuple[Caller, Caller]  # admin, partner
    console: tuple[Caller, Caller]
    record_id: str
    # Every list query is narrowed to the partner's two records, so the store answers it from the id index
    # (a hostile but valid `payload.x=...` would otherwise scan the whole view, a third of a second each).
    narrow: str
    cursors: dict[str, str]  # caller name -> a cursor the service issued to it for /query/all?{narrow}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _rules(app: Flask, prefix: str = "") -> Iterator[tuple[str, str]]:
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, prefix + _openapi_path(rule.rule)


def app_routes(key_file: Path) -> set[Route]:
    """Every route the composition roots mount, the console's under /console (nothing connects yet)."""
    add_key(key_file, "admin", label="route inventory")  # the apps refuse to start without a key file
    kek_file = key_file.with_name("kek.json")  # ingestion's API refuses to start without KEKs
    kek_file.write_text(json.dumps({"current": "k1", "keys": {"k1": base64.b64encode(bytes(32)).decode()}}))
    env = Env(
        {
            "API_KEYS_FILE": str(key_file),
            "CONSOLE_SECRET_KEY": "route-inventory-secret-" + "0" * 24,
            "INGESTION_KEK_FILE": str(kek_file),
            "KEY_SERVICE_API_KEY": "route-inventory",  # processing's API opens sealed details
        }
    )
    routes: set[Route] = set()
    for service, build in APPS.items():
        app = build(env)
        routes.update((service, method, path) for method, path in _rules(app))
        for prefix, mounted in getattr(app.wsgi_app, "mounts", {}).items():
            routes.update((service, method, path) for method, path in _rules(mounted, prefix))
    return routes


def openapi_parameters(urls: dict[str, str]) -> dict[Route, tuple[str, ...]]:
    """Every documented route with the query parameters its document declares."""
    declared: dict[Route, tuple[str, ...]] = {}
    for service, base in urls.items():
        spec = requests.get(f"{base}/openapi.json", timeout=10).json()
        for path, item in spec["paths"].items():
            shared = item.get("parameters", [])
            for method, operation in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    parameters = [*shared, *operation.get("parameters", [])]
                    names = tuple(p["name"] for p in parameters if p.get("in") == "query")
                    declared[(service, method.upper(), path)] = names
    return declared


def _missing_coverage(route: Route) -> list[str]:
    _, method, path = route
    problems = [
        f"no value for {{{name}}}" for name in re.findall(r"{(\w+)}", path) if name not in _PATH_NAMES
    ]
    if method != "GET" and route not in REFUSED and route not in PARTNER_ONLY:
        problems.append("changes something: say in REFUSED how to call it without effect")
    return problems


_PATH_NAMES = {"record_id", *PATH_VALUES}


@pytest.fixture(scope="module")
def routes(
    service_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[Route, tuple[str, ...]]:
    documented = openapi_parameters(service_urls)
    mounted = app_routes(tmp_path_factory.mktemp("keys") / "api-keys.json")
    return {
        route: tuple(dict.fromkeys([*documented.get(route, ()), *READS.get(route, ()), "x"]))
        for route in sorted(documented.keys() | mounted)
    }


def _sign_in(console: str, key: str, name: str) -> Caller:
    session = sign_in(console, key)
    cookie = {"Cookie": f"{COOKIE}={session.cookie}"}
    home = requests.get(f"{console}/", headers=cookie, allow_redirects=False, timeout=10)
    assert home.status_code == 200, f"{name} is not signed in: {home.status_code}"
    # No CSRF token is ever sent again, so every POST of the fuzz is refused before it acts.
    return Caller(name, cookie)


def _visible(url: str, caller: Caller) -> Callable[[], bool]:
    return lambda: requests.get(url, headers=caller.headers, timeout=10).ok


def _issued_cursor(query: str, narrow: str, caller: Caller) -> str | None:
    url = f"{query}/query/all?limit=1&{narrow}"
    return requests.get(url, headers=caller.headers, timeout=10).headers.get("Next-Cursor")


@pytest.fixture(scope="module")
def stack(service_urls: dict[str, str], api_keys: ApiKeys) -> Stack:
    admin = Caller("admin key", api_keys.auth(api_keys.admin))
    partner = Caller("partner key", api_keys.auth(api_keys.partner))
    ids = []
    for n in range(2):  # two records of the partner's, so that a page of one has a next cursor
        body: dict[str, Any] = {
            "partner_id": "partner123",
            "payload": {"name": f"fuzz-{n}", "n": uuid.uuid4().hex},
        }
        answer = requests.post(f"{service_urls['ingestion_svc']}/ingest", json=body, headers=partner.headers)
        assert answer.status_code == 201, answer.text
        ids.append(str(answer.json()["id"]))
    query = service_urls["query_svc"]
    for record_id in ids:
        wait_until(_visible(f"{query}/query/{record_id}?min_version=1&wait_ms=2000", partner), timeout_s=60)
    narrow = f"id__in={','.join(ids)}"
    cursors = {c.name: _issued_cursor(query, narrow, c) for c in (admin, partner)}
    assert all(cursors.values()), cursors
    console = f"{query}{CONSOLE}"
    consoles = (
        _sign_in(console, api_keys.admin, "admin console"),
        _sign_in(console, api_keys.partner, "partner console"),
    )
    issued = {name: cursor for name, cursor in cursors.items() if cursor}
    return Stack(service_urls, (admin, partner), consoles, ids[0], narrow, issued)


def forged_cursors(issued: str) -> list[str]:
    """Cursors with the issued one's query fingerprint and forged contents, and cursors that are not JSON:
    unsigned, and behind the issued cursor's signature."""
    signature, body = issued[:SIGNATURE_CHARS], issued[SIGNATURE_CHARS:]
    fingerprint = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["q"]
    bodies: list[Any] = [
        {"v": values, "q": fingerprint}
        for values in (
            [{"$gt": ""}, "x"],
            [{"$where": "sleep(1000)"}, "x"],
            [2**64, "x"],
            [[[]], "x"],
            [True, None],
            ["\x00", "\x00"],
            [{"$date": "garbage"}, "x"],
            [{"$date": "9999-12-31T23:59:59-23:59"}, "x"],
            [{"$date": "2026-01-01T00:00:00"}, "x"],
            [float("inf"), "x"],
            ["x"],
            [],
            "x",
        )
    ]
    bodies += [[], "x", {"q": fingerprint}, {"v": [[[[[[[[]]]]]]]], "q": fingerprint}]
    texts = [json.dumps(body) for body in bodies] + [
        "[" * 5_000,
        '{"v": [NaN, "x"], "q": "' + fingerprint + '"}',
    ]
    encoded = [base64.urlsafe_b64encode(text.encode()).decode().rstrip("=") for text in texts]
    signed = [signature + text for text in encoded]
    return [*encoded, *signed, "AAAA", "////", "!!!!", "=====", issued[:-3], issued + "A", issued.upper()]


def _fill(path: str, record_id: str) -> str:
    return re.sub(
        r"{(\w+)}", lambda m: record_id if m.group(1) == "record_id" else PATH_VALUES[m.group(1)], path
    )


def _callers(route: Route, stack: Stack) -> tuple[Caller, ...]:
    if route[2].startswith(CONSOLE):
        return stack.console
    return stack.api[1:] if route in PARTNER_ONLY else stack.api


def _query_strings(names: tuple[str, ...], cursors: list[str]) -> Iterator[str]:
    """Each parameter with each hostile value (`x`, read by no one, with a few); each repeated with three
    values; all of them at once with each value."""
    for name in names:
        values = [
            *(NOBODY_READS if name == "x" else HOSTILE.values()),
            *(cursors if name == "cursor" else []),
        ]
        yield from (f"{_q(name)}={value}" for value in values)
        yield "&".join(f"{_q(name)}={value}" for value in ("%C2%B2", "%FF", "%5B%5B%5B"))
    if len(names) > 1:
        for value in HOSTILE.values():
            if len(value) < 1000:  # together, the long ones only say 414 again
                yield "&".join(f"{_q(name)}={value}" for name in names)


def probes(routes: dict[Route, tuple[str, ...]], stack: Stack) -> list[Probe]:
    found = []
    for route, names in routes.items():
        service, _, path = route
        base = stack.urls[service] + _fill(path, stack.record_id)
        base = f"{base}?{stack.narrow}&" if READS.get(route) == _LIST else f"{base}?"
        for caller in _callers(route, stack):
            cursors = forged_cursors(stack.cursors[caller.name]) if caller.name in stack.cursors else []
            for query in _query_strings(names, cursors):
                found.append(Probe(route, caller, f"{base}{query}", REFUSED.get(route)))
    return found


_local = threading.local()
RESTART_WAIT_S = 30


def send(probe: Probe) -> requests.Response | str:
    """Sends the URL byte for byte (requests would re-quote the invalid percent-encodings); returns what went
    wrong if no answer could be read. The stack is shared and others restart services, so a service that is
    down is waited for."""
    session = getattr(_local, "session", None) or requests.Session()
    _local.session = session
    headers = {**probe.caller.headers}
    if probe.body is not None:
        headers["Content-Type"] = "application/json"
    prepared = session.prepare_request(requests.Request(probe.route[1], probe.url, headers=headers))
    prepared.url = probe.url
    if probe.body is not None:
        prepared.prepare_body(probe.body, None)
    for _ in range(RESTART_WAIT_S):
        try:
            return session.send(prepared, allow_redirects=False, timeout=30)
        except requests.ConnectionError as error:
            if _is_up(probe.url):
                return (
                    f"{probe.route[1]} {probe.url[:160]} as {probe.caller.name}: unreadable answer: {error}"
                )
            time.sleep(1)
    return f"{probe.url[:160]}: the service stayed down for {RESTART_WAIT_S} s"


def _is_up(url: str) -> bool:
    try:
        return requests.get(f"{urlsplit(url)._replace(path='/healthz', query='').geturl()}", timeout=5).ok
    except requests.ConnectionError:
        return False


def _is_api(route: Route) -> bool:
    path = route[2]
    return not path.startswith(CONSOLE) or path.startswith(f"{CONSOLE}/api/")


def failure(probe: Probe, response: requests.Response | str) -> str | None:
    """What is wrong with the answer, or None: a 5xx, or an API's 4xx that is not a problem saying why."""
    if isinstance(response, str):
        return response
    status, where = response.status_code, f"{probe.route[1]} {probe.url[:160]} as {probe.caller.name}"
    if status >= 500:
        return f"{where}: {status} {response.text[:200]}"
    if 400 <= status < 500 and _is_api(probe.route):
        if response.headers.get("Content-Type", "").split(";")[0] != "application/problem+json":
            return f"{where}: {status} as {response.headers.get('Content-Type')}"
        problem = response.json()
        if problem.get("status") != status or not str(problem.get("detail") or "").strip():
            return f"{where}: {status} with a problem that does not say what is wrong: {problem}"
    return None


def test_every_route_of_every_service_can_be_fuzzed(routes: dict[Route, tuple[str, ...]]) -> None:
    uncovered = {route: problems for route in routes if (problems := _missing_coverage(route))}
    assert not uncovered, f"routes the fuzz cannot call (extend PATH_VALUES or REFUSED): {uncovered}"
    assert any(path.startswith(CONSOLE) for _, _, path in routes), "the console's routes were not found"
    stale = [route for route in [*READS, *REFUSED, *PARTNER_ONLY] if route not in routes]
    assert not stale, f"tables name routes that no longer exist: {stale}"


def test_hostile_query_parameters_never_answer_500(
    routes: dict[Route, tuple[str, ...]], stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    work = probes(routes, stack)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda probe: (probe, send(probe)), work))
    failures = [f for probe, response in answers if (f := failure(probe, response)) is not None]
    with capsys.disabled():
        print(f"\n{len(work)} requests on {len(routes)} routes in {time.monotonic() - started:.1f} s")
    assert not failures, f"{len(failures)} bad answers, e.g.:\n" + "\n".join(failures[:30])


# Text with every kind of character but lone surrogates (which no URL can carry).
_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_GENERATED = (
    "filter",
    "sort",
    "fields",
    "limit",
    "cursor",
    "payload.x__in",
    "version__gte",
    "as_of",
    "min_version",
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["/query/all", "/query/{record_id}", "/console/records", "/admin/dead-letters"]),
    params=st.lists(st.tuples(st.sampled_from([*_GENERATED, "sample", "q", "trail"]), _TEXT), max_size=4),
    admin=st.booleans(),
)
def test_generated_query_parameters_never_answer_500(
    stack: Stack, path: str, params: list[tuple[str, str]], admin: bool
) -> None:
    route: Route = ("query_svc", "GET", path)
    callers = stack.console if path.startswith(CONSOLE) else stack.api
    query = "&".join([stack.narrow, *(f"{_q(name)}={_q(value)}" for name, value in params)])
    url = f"{stack.urls['query_svc']}{_fill(path, stack.record_id)}?{query}"
    probe = Probe(route, callers[0 if admin else 1], url, None)
    assert failure(probe, send(probe)) is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | st.builds(lambda t: t.encode(), _TEXT))
def test_generated_cursors_never_answer_500(stack: Stack, raw: bytes) -> None:
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    url = f"{stack.urls['query_svc']}/query/all?{stack.narrow}&cursor={cursor}"
    probe = Probe(("query_svc", "GET", "/query/all"), stack.api[1], url, None)
    assert failure(probe, send(probe)) is None
