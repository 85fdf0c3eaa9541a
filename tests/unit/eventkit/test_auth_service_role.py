"""Keys of role service: no partner, refused (403) on every route not marked for services, the only keys a
marked route takes, never rate-limited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from eventkit.auth.cli import keys_main
from eventkit.auth.guard import for_services
from eventkit.auth.keys import KeyFile, KeyFileError, add_key, list_keys
from eventkit.auth.principal import Principal, current_principal
from eventkit.auth.settings import AuthSettings
from eventkit.http.app import create_app
from eventkit.problems import Problem
from eventkit.settings import Env


def _app(path: Path, **overrides: str) -> Flask:
    settings = AuthSettings.from_env(Env({"API_KEYS_FILE": str(path), **overrides}))
    app = create_app("service_role_test", {}, auth=settings)

    @app.get("/records")
    def records() -> dict[str, object]:
        return {"scope": current_principal().partner_scope}

    @app.post("/internal/thing")
    @for_services
    def internal() -> dict[str, object]:
        return {"role": current_principal().role}

    return app


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "keys.json"


def test_a_service_key_has_no_partner_and_a_service_key_with_one_is_refused(path: Path) -> None:
    key = add_key(path, "service", label="consumers")
    assert KeyFile(path).authenticate(key) == Principal(key.split("_")[1], "service", None)
    document = json.loads(path.read_text())
    document["keys"][0]["partner_id"] = "partner123"
    path.write_text(json.dumps(document))
    with pytest.raises(KeyFileError, match="service key none"):
        KeyFile(path)


def test_keys_add_service_makes_a_service_key(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert keys_main("python -m ingestion_svc", ["--file", str(path), "add", "--service"]) == 0
    raw = capsys.readouterr().out.strip()
    [record] = list_keys(path)
    assert (record.role, record.partner_id) == ("service", None)
    assert KeyFile(path).authenticate(raw) is not None


def test_a_service_key_reaches_marked_routes_only_and_other_keys_never_reach_them(path: Path) -> None:
    service, partner, admin = add_key(path, "service"), add_key(path, "partner", "p1"), add_key(path, "admin")
    client = _app(path).test_client()

    def status(method: str, url: str, key: str) -> int:
        return client.open(url, method=method, headers={"Authorization": f"Bearer {key}"}).status_code

    assert status("POST", "/internal/thing", service) == 200
    assert [status("POST", "/internal/thing", key) for key in (partner, admin)] == [403, 403]
    assert status("GET", "/records", service) == 403
    assert [status("GET", "/records", key) for key in (partner, admin)] == [200, 200]
    assert client.get("/healthz", headers={"Authorization": f"Bearer {service}"}).status_code == 200


def test_a_service_principal_has_no_partner_scope_even_on_an_unmarked_route() -> None:
    with pytest.raises(Problem) as info:
        _ = Principal("k", "service", None).partner_scope
    assert info.value.status == 403
    assert not Principal("k", "service", None).may_access("partner123")


def test_service_keys_are_not_rate_limited(path: Path) -> None:
    service, partner = add_key(path, "service"), add_key(path, "partner", "p1")
    client = _app(path, RATE_LIMIT="2/minute").test_client()

    def statuses(url: str, method: str, key: str) -> list[int]:
        return [client.open(url, method=method, headers={"X-API-Key": key}).status_code for _ in range(4)]

    assert statuses("/internal/thing", "POST", service) == [200] * 4
    assert statuses("/records", "GET", partner) == [200, 200, 429, 429]
