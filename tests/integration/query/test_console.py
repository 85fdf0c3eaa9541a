"""The operator console on the real MongoDB-compatible server: sign-in, session cookie, partner scope,
the explorer and the record page, and the admin panels on the real rebuild and dead-letter APIs or without them."""

from __future__ import annotations

import base64
import re
import uuid
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from eventkit.auth.keys import add_key, key_id_of, revoke_key
from eventkit.http.app import create_app as create_http_app
from eventkit.settings import Env
from query_svc.adapters.http.console import mount_console
from query_svc.adapters.http.errors import ERRORS
from query_svc.adapters.http.routes import query_blueprint
from query_svc.adapters.http.waits import WaitSlots
from query_svc.adapters.mongo.jobs import JOBS, MongoJobStore
from query_svc.adapters.mongo.records import RECORDS, MongoRecordReader
from query_svc.application.activity import PipelineActivity
from query_svc.application.indexes import IndexListing
from query_svc.application.rebuild import Rebuilds
from query_svc.bootstrap import Query, console_ports, create_app
from query_svc.settings import Settings
from tests.api_keys import TestKeys
from tests.stack import StackEndpoints
from tests.unit.query.events import T0, entry, ingested, lifecycle

SECRET = "integration-test-console-secret-0123456789"


def _settings(keys: TestKeys, stack: StackEndpoints) -> Settings:
    environ = {
        "API_KEYS_FILE": str(keys.path),
        "CONSOLE_SECRET_KEY": SECRET,
        **stack.pulsar_environ,
    }
    return Settings.from_env(Env(environ))


@pytest.fixture
def app(query: Query, keys: TestKeys, stack: StackEndpoints) -> Flask:
    return create_app(_settings(keys, stack), query)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _sign_in(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    token = _csrf(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login", data={"key": key, "csrf": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _records(query: Query, partner: str) -> str:
    data_id = str(uuid.uuid4())
    for event in lifecycle(data_id, partner):
        query.projector.apply(event.data_id, entry(event))
    return data_id


def test_pages_send_strangers_to_sign_in_and_scripts_get_401(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/console/records?q=status%3Dcomplete")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/console/login?next=/records")
    api = client.get("/console/api/projections")
    assert (api.status_code, api.mimetype) == (401, "application/problem+json")
    assert client.get("/console/static/console.css").status_code == 200


def test_sign_in_refuses_a_wrong_or_revoked_key_and_a_form_without_its_token(
    app: Flask, keys: TestKeys
) -> None:
    client = app.test_client()
    token = _csrf(client.get("/console/login").get_data(as_text=True))
    wrong = client.post("/console/login", data={"key": "dik_000000000000_" + "x" * 43, "csrf": token})
    assert wrong.status_code == 401 and "not valid" in wrong.get_data(as_text=True)
    revoked = add_key(keys.path, "partner", "partner123")
    revoke_key(keys.path, str(key_id_of(revoked)))
    assert client.post("/console/login", data={"key": revoked, "csrf": token}).status_code == 401
    assert client.post("/console/login", data={"key": keys.partner}).status_code == 403
    assert (
        app.test_client().post("/console/login", data={"key": keys.partner, "csrf": token}).status_code == 403
    )


def test_a_service_key_cannot_sign_in_nor_keep_a_session(app: Flask, keys: TestKeys) -> None:
    client = app.test_client()
    token = _csrf(client.get("/console/login").get_data(as_text=True))
    service = add_key(keys.path, "service", None)
    refused = client.post("/console/login", data={"key": service, "csrf": token})
    assert refused.status_code == 403 and "only fetches data keys" in refused.get_data(as_text=True)
    assert client.get("/console/records").status_code == 302  # still signed out


def test_the_session_cookie_is_httponly_strict_secure_and_never_shows_the_key(
    app: Flask, keys: TestKeys
) -> None:
    client = app.test_client()
    token = _csrf(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login", data={"key": keys.partner, "csrf": token})
    cookie = response.headers["Set-Cookie"]
    for attribute in ("HttpOnly", "SameSite=Strict", "Secure", "Path=/console"):
        assert attribute in cookie
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    payload = value.lstrip(".").split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if value.startswith("."):
        decoded = zlib.decompress(decoded)
    secret_part = keys.partner.split("_", 2)[2]  # dik_<id>_<secret>; the secret may hold "_" itself
    assert secret_part not in value and secret_part.encode() not in decoded


def test_revoking_the_key_ends_its_console_session(app: Flask, keys: TestKeys) -> None:
    key = add_key(keys.path, "partner", "partner123")
    client = _sign_in(app, key)
    assert client.get("/console/").status_code == 200
    revoke_key(keys.path, str(key_id_of(key)))
    assert client.get("/console/").status_code == 302


def test_a_partner_lists_only_its_own_records_and_another_partners_record_is_refused(
    app: Flask, keys: TestKeys, query: Query
) -> None:
    mine, theirs = _records(query, "partner123"), _records(query, "partner456")
    partner = _sign_in(app, keys.partner)
    listing = partner.get("/console/records").get_data(as_text=True)
    assert mine in listing and theirs not in listing
    refused = partner.get(f"/console/records/{theirs}")
    assert refused.status_code == 404 and "belongs to another partner" in refused.get_data(as_text=True)
    everything = _sign_in(app, keys.admin).get("/console/records").get_data(as_text=True)
    assert mine in everything and theirs in everything


def test_the_filter_box_speaks_the_api_language_and_shows_its_refusals(
    app: Flask, keys: TestKeys, query: Query
) -> None:
    record = _records(query, "partner123")
    client = _sign_in(app, keys.partner)
    by_shorthand = client.get("/console/records", query_string={"q": f"id={record}&status=complete"})
    assert record in by_shorthand.get_data(as_text=True)
    by_json = client.get("/console/records", query_string={"q": '{"payload.age": {"$gt": 100}}'})
    assert by_json.status_code == 200 and record not in by_json.get_data(as_text=True)
    refused = client.get("/console/records", query_string={"q": "payload.age__near=3"})
    assert refused.status_code == 400 and "unknown shorthand operator" in refused.get_data(as_text=True)


def test_pages_of_the_explorer_go_forward_and_back_without_gaps(
    app: Flask, keys: TestKeys, query: Query
) -> None:
    ordered = []  # received one second apart, so this is the order of `sort=timestamp`
    for at in range(27):
        event = ingested(str(uuid.uuid4()), 1, {"n": at}, at, "partner456")
        query.projector.apply(event.data_id, entry(event))
        ordered.append(event.data_id)
    client = _sign_in(app, keys.other)
    pages: list[list[str]] = []
    url: str | None = "/console/records?sort=timestamp&limit=25"
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append(_ids(html))
        url = _link(html, "next")
    assert pages == [ordered[:25], ordered[25:]]
    previous = _link(html, "prev")
    assert previous is not None and _ids(client.get(previous).get_data(as_text=True)) == ordered[:25]


def _ids(html: str) -> list[str]:
    return re.findall(r'/console/records/([0-9a-f-]{36})"', html)


def _link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return match.group(1).replace("&amp;", "&") if match else None


def test_the_record_page_shows_results_timeline_and_the_state_as_of_a_moment(
    app: Flask, keys: TestKeys, query: Query
) -> None:
    record = _records(query, "partner123")
    client = _sign_in(app, keys.partner)
    html = client.get(f"/console/records/{record}").get_data(as_text=True)
    for text in ("DataIngested", "DataValidated", "DataProcessed", "complete", "version 2 received"):
        assert text in html
    before_v2 = (T0 + timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S.000")  # a picker value, read as UTC
    then = client.get(f"/console/records/{record}", query_string={"as_of": before_v2})
    assert then.status_code == 200
    assert re.search(r'data-testid="version">\s*1\s*<', then.get_data(as_text=True))
    assert "too young" in then.get_data(as_text=True)  # version 1's validation error
    early = client.get(f"/console/records/{record}", query_string={"as_of": "2025-01-01T00:00:00Z"})
    assert "did not exist yet" in early.get_data(as_text=True)


def test_admin_panels_say_not_available_when_the_rebuild_and_dead_letter_apis_are_absent(
    query: Query, keys: TestKeys, stack: StackEndpoints
) -> None:
    app = _query_api_only(query, _settings(keys, stack))
    client = _sign_in(app, keys.admin)
    page = client.get("/console/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The dead-letter list is not available in this deployment yet" in html
    assert "Rebuilding the query view is not available in this deployment yet" in html
    assert "data-ingested" in html  # the broker's lag still shows
    started = client.post("/console/api/rebuild", headers={"X-CSRF-Token": _csrf(html)})
    assert started.status_code == 404
    assert client.get("/console/dead-letters").status_code == 200


def test_admin_panels_follow_the_real_rebuild_and_dead_letter_apis_with_the_users_own_key(
    query: Query, keys: TestKeys, stack: StackEndpoints
) -> None:
    clock = [datetime.now(UTC)]
    query.rebuilds = Rebuilds(MongoJobStore(query.database[JOBS]), clock=lambda: clock[0])
    app = create_app(_settings(keys, stack), query)
    admin = _sign_in(app, keys.admin)
    html = admin.get("/console/").get_data(as_text=True)
    assert "No rebuild has run yet" in html and "Start a rebuild" in html
    token = _csrf(html)
    started = admin.post("/console/api/rebuild", headers={"X-CSRF-Token": token})
    job = started.get_json()
    assert (started.status_code, job["state"]) == (202, "pending")  # no query consumer runs it here
    assert job["collection"] == f"records_{job['generation']}"
    assert admin.get(f"/console/api/rebuild/{job['id']}").get_json()["id"] == job["id"]
    again = admin.post("/console/api/rebuild", headers={"X-CSRF-Token": token})
    assert again.status_code == 409 and "already running" in admin.post(
        "/console/rebuild", data={"csrf": token}, follow_redirects=True
    ).get_data(as_text=True)
    page = admin.get("/console/").get_data(as_text=True)
    assert f'data-job-id="{job["id"]}" data-job-state="pending"' in page
    assert re.search(r'<button type="submit" data-busy="Starting…" disabled>', page)  # one at a time
    assert admin.get("/console/api/rebuild/no-such-job").status_code == 404

    clock[0] += timedelta(seconds=11)  # no query consumer picked it up: the API reports it failed
    page = admin.get("/console/").get_data(as_text=True)
    assert 'data-job-state="failed"' in page and "status-failed" in page
    assert "abandoned: no query consumer picked it up" in page
    assert re.search(r'<button type="submit" data-busy="Starting…" >', page)  # a new one may start
    assert "List and redrive" in page  # the dead-letter panel reads the real list
    refused = admin.post(
        "/console/dead-letters/redrive",
        data={"csrf": token, "dead_letter_topic": "no-such-topic-DLQ"},
        follow_redirects=True,
    )
    assert "Redrive of no-such-topic-DLQ refused: 404: " in refused.get_data(as_text=True)
    assert "does not offer it" not in refused.get_data(as_text=True)  # the API knows the route, not the topic

    partner = _sign_in(app, keys.partner)
    assert "need an admin key" in partner.get("/console/").get_data(as_text=True)
    refused = partner.post(
        "/console/api/rebuild",
        headers={"X-CSRF-Token": _csrf(partner.get("/console/").get_data(as_text=True))},
    )
    assert refused.status_code == 403  # the API itself refuses the partner's key


def test_a_post_without_the_sessions_token_is_refused(app: Flask, keys: TestKeys) -> None:
    client = _sign_in(app, keys.admin)
    assert client.post("/console/api/rebuild").status_code == 403
    assert client.post("/console/logout").status_code == 403


def _query_api_only(query: Query, settings: Settings) -> Flask:
    """A deployment of this service with the query routes alone (no rebuild or dead-letter API), console mounted."""
    app = create_http_app(
        "query_svc",
        {},
        [query_blueprint(query.queries, WaitSlots(per_process=2), IndexListing(query.generations, ()))],
        errors=ERRORS,
        auth=settings.auth,
    )
    mount_console(app, settings.console, settings.auth, console_ports(settings, query))
    return app


def test_activity_counts_each_stage_in_the_minute_it_happened_within_the_callers_scope(query: Query) -> None:
    reader = MongoRecordReader(query.database[RECORDS], 5000)
    _records(query, "partner123"), _records(query, "partner456")
    now = T0 + timedelta(minutes=4, seconds=10)  # lifecycle: v2 received at T0+3 s, results at +4 s, +5 s
    activity = PipelineActivity(reader).recent("partner123", now, minutes=5)
    assert activity.minutes[0] == T0 and len(activity.minutes) == 5
    assert activity.counts == {
        "received": (1, 0, 0, 0, 0),
        "validated": (1, 0, 0, 0, 0),
        "processed": (1, 0, 0, 0, 0),
    }
    everyone = PipelineActivity(reader).recent(None, now, minutes=5)
    assert everyone.counts["received"] == (2, 0, 0, 0, 0) and not everyone.truncated
    sampled = PipelineActivity(reader, sample=1).recent(None, now, minutes=5)
    assert sampled.truncated and sampled.counts["received"][0] == 1
    later = PipelineActivity(reader).recent(None, now + timedelta(minutes=10), minutes=5)
    assert later.counts["received"] == (0, 0, 0, 0, 0)
