"""API keys: hashed in a file, reloaded when it changes, revocable; the guard's 401/403/429 answers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from eventkit.auth.keys import (
    KeyFile,
    KeyFileError,
    add_key,
    key_id_of,
    list_keys,
    revoke_key,
    set_rate_limit,
)
from eventkit.auth.principal import Principal, current_principal, require_admin
from eventkit.auth.settings import AuthSettings
from eventkit.http.app import create_app
from eventkit.settings import Env, SettingsError


def _settings(path: Path, **overrides: str) -> AuthSettings:
    return AuthSettings.from_env(Env({"API_KEYS_FILE": str(path), **overrides}))


def _app(path: Path, **overrides: str) -> Flask:
    app = create_app("auth_test", {}, auth=_settings(path, **overrides))

    @app.get("/whoami")
    def whoami() -> dict[str, object]:
        principal = current_principal()
        return {"role": principal.role, "partner_id": principal.partner_id}

    @app.post("/admin-only")
    def admin_only() -> dict[str, object]:
        require_admin()
        return {"ok": True}

    return app


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "keys.json"


@pytest.fixture
def client(path: Path) -> FlaskClient:
    add_key(path, "admin")
    return _app(path).test_client()


def test_the_file_keeps_only_a_hash_of_each_key(path: Path) -> None:
    key = add_key(path, "partner", "partner123", "acme")
    text = path.read_text()
    assert key not in text and key.split("_", 2)[2] not in text  # the secret may hold "_"
    [record] = list_keys(path)
    assert (record.key_id, record.role, record.partner_id, record.label) == (
        key_id_of(key),
        "partner",
        "partner123",
        "acme",
    )
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_key_authenticates_as_its_principal(path: Path) -> None:
    key = add_key(path, "partner", "partner123")
    assert KeyFile(path).authenticate(key) == Principal(str(key_id_of(key)), "partner", "partner123")
    assert KeyFile(path).authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert KeyFile(path).authenticate("not-a-key") is None


def test_a_changed_file_takes_effect_without_a_restart(path: Path) -> None:
    first = add_key(path, "admin")
    keys = KeyFile(path)
    second = add_key(path, "partner", "partner456")
    assert keys.authenticate(second) is not None
    assert revoke_key(path, str(key_id_of(first)))
    assert keys.authenticate(first) is None
    assert not revoke_key(path, "000000000000")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ('{"nokeys": []}', '"keys" array'),
        ('{"keys": [{"key_id": "a"}]}', "keys\\[0\\] is malformed"),
        (
            '{"keys": [{"key_id": "a", "role": "root", "partner_id": null, "key_hash": "x", "created_at": "t"}]}',
            "role",
        ),
        (
            '{"keys": [{"key_id": "a", "role": "partner", "partner_id": null, "key_hash": "x", "created_at": "t"}]}',
            "partner_id",
        ),
    ],
)
def test_a_malformed_key_file_fails_naming_the_problem(path: Path, content: str, message: str) -> None:
    path.write_text(content)
    with pytest.raises(KeyFileError, match=message):
        KeyFile(path)


def test_a_missing_file_says_how_to_create_one(path: Path) -> None:
    with pytest.raises(KeyFileError, match="keys add"):
        KeyFile(path)


def test_no_or_a_bad_key_is_401_with_www_authenticate(client: FlaskClient) -> None:
    for headers in ({}, {"Authorization": "Bearer dik_000000000000_" + "x" * 43}, {"X-API-Key": "garbage"}):
        response = client.get("/whoami", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.mimetype == "application/problem+json"


def test_bearer_and_x_api_key_are_both_accepted(path: Path) -> None:
    key = add_key(path, "partner", "partner123")
    client = _app(path).test_client()
    assert (
        client.get("/whoami", headers={"Authorization": f"Bearer {key}"}).get_json()["partner_id"]
        == "partner123"
    )
    assert client.get("/whoami", headers={"X-API-Key": key}).get_json()["partner_id"] == "partner123"


def test_a_key_in_the_url_is_refused(path: Path) -> None:
    key = add_key(path, "admin")
    client = _app(path).test_client()
    response = client.get(
        "/whoami", query_string={"api_key": key}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 400
    assert "not accepted in the URL" in response.get_json()["detail"]


def test_a_partner_on_an_admin_endpoint_is_403(path: Path) -> None:
    partner, admin = add_key(path, "partner", "partner123"), add_key(path, "admin")
    client = _app(path).test_client()
    assert client.post("/admin-only", headers={"X-API-Key": partner}).status_code == 403
    assert client.post("/admin-only", headers={"X-API-Key": admin}).status_code == 200


def test_health_is_open_and_metrics_and_docs_can_be_closed(path: Path) -> None:
    add_key(path, "admin")
    open_client = _app(path).test_client()
    for route in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"):
        assert open_client.get(route).status_code == 200, route
    closed = _app(path, PUBLIC_METRICS="false", PUBLIC_DOCS="false").test_client()
    assert closed.get("/healthz").status_code == 200
    for route in ("/metrics", "/openapi.json", "/docs"):
        assert closed.get(route).status_code == 401, route


def test_repeated_failures_get_429_with_retry_after_for_that_key_id_only(path: Path) -> None:
    key = add_key(path, "admin")
    guessed = f"dik_{key_id_of(key)}_{'x' * 43}"  # the right key id, a wrong secret
    client = _app(path, AUTH_FAILURE_LIMIT="3/minute").test_client()
    statuses = [client.get("/whoami", headers={"X-API-Key": guessed}).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert 1 <= int(client.get("/whoami", headers={"X-API-Key": guessed}).headers["Retry-After"]) <= 60
    assert (
        client.get("/whoami", headers={"X-API-Key": key}).status_code == 429
    )  # that key id is being guessed


def test_failures_with_other_keys_never_lock_a_valid_key_out(path: Path) -> None:
    key = add_key(path, "admin")
    client = _app(path, AUTH_FAILURE_LIMIT="3/minute").test_client()
    for _ in range(5):
        client.get("/whoami", headers={"X-API-Key": "wrong"})
        client.get("/whoami", headers={"X-API-Key": f"dik_{'0' * 12}_{'x' * 43}"})
    assert client.get("/whoami", headers={"X-API-Key": "wrong"}).status_code == 429
    assert client.get("/whoami", headers={"X-API-Key": key}).status_code == 200


def test_each_key_has_a_request_rate_limit(path: Path) -> None:
    key = add_key(path, "partner", "partner123")
    client = _app(path, RATE_LIMIT="3/minute").test_client()
    statuses = [client.get("/whoami", headers={"X-API-Key": key}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/healthz").status_code == 200


def test_the_limit_counts_a_keys_requests_over_all_routes(path: Path) -> None:
    key = add_key(path, "admin")
    client = _app(path, RATE_LIMIT="3/minute").test_client()
    answers = [client.get("/whoami", headers={"X-API-Key": key}).status_code for _ in range(2)]
    answers += [client.post("/admin-only", headers={"X-API-Key": key}).status_code for _ in range(2)]
    assert answers == [200, 200, 200, 429]


def test_a_key_may_have_its_own_rate_limit(path: Path) -> None:
    slow = add_key(path, "partner", "partner123", rate_limit="2/minute")
    fast = add_key(path, "partner", "partner123")
    assert set_rate_limit(path, str(key_id_of(fast)), "5/minute")
    client = _app(path, RATE_LIMIT="3/minute").test_client()
    assert [client.get("/whoami", headers={"X-API-Key": slow}).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert [client.get("/whoami", headers={"X-API-Key": fast}).status_code for _ in range(6)][-2:] == [
        200,
        429,
    ]
    with pytest.raises(KeyFileError, match="rate"):
        set_rate_limit(path, str(key_id_of(fast)), "lots")
    assert not set_rate_limit(path, "000000000000", "5/minute")


def test_a_key_file_without_rate_limits_keeps_its_old_shape(path: Path) -> None:
    add_key(path, "admin")
    assert "rate_limit" not in json.loads(path.read_text())["keys"][0]


def test_a_trailing_newline_is_not_part_of_any_identifier(path: Path) -> None:
    key = add_key(path, "partner", "partner123")
    assert KeyFile(path).authenticate(key + "\n") is None
    document = json.loads(path.read_text())
    document["keys"][0]["partner_id"] = "partner123\n"
    path.write_text(json.dumps(document))
    with pytest.raises(KeyFileError, match="partner_id"):
        KeyFile(path)


def test_malformed_auth_settings_fail_naming_the_variable(path: Path) -> None:
    with pytest.raises(SettingsError, match="RATE_LIMIT"):
        _settings(path, RATE_LIMIT="lots")
    with pytest.raises(SettingsError, match="PUBLIC_DOCS"):
        _settings(path, PUBLIC_DOCS="maybe")


def test_concurrent_writers_never_corrupt_the_file(path: Path) -> None:
    pids = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            try:
                for _ in range(10):
                    add_key(path, "admin")
            finally:
                os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    assert len(json.loads(path.read_text())["keys"]) == 40
