"""validation's HTTP edge on the in-memory log: a record's log, the rules, and partner isolation."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from eventkit.auth.keys import add_key
from eventkit.settings import Env
from tests.unit.validation.events import ingested
from validation_svc.adapters.memory import InMemoryValidationLog
from validation_svc.bootstrap import bootstrap, create_app
from validation_svc.settings import Settings


class Clients:
    def __init__(self, tmp_path: Path) -> None:
        keys_file = tmp_path / "api-keys.json"
        keys = {
            "own": add_key(keys_file, "partner", "partner123"),
            "other": add_key(keys_file, "partner", "partner456"),
            "admin": add_key(keys_file, "admin"),
        }
        rules = tmp_path / "rules.json"
        rules.write_text(
            '{"version": "9", "default": [{"rule": "required", "field": "name"}],'
            ' "partners": {"partner456": [{"rule": "required", "field": "age"}]}}',
            encoding="utf-8",
        )
        settings = Settings.from_env(
            Env({"API_KEYS_FILE": str(keys_file), "VALIDATION_RULES_FILE": str(rules)})
        )
        self.log = InMemoryValidationLog()
        validation = bootstrap(settings, log=self.log)
        self.handler = validation.handler
        app = create_app(settings, validation)
        self.by_role: dict[str, FlaskClient] = {}
        for role, key in keys.items():
            client = app.test_client()
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
            self.by_role[role] = client
        self.anonymous = app.test_client()


@pytest.fixture
def clients(tmp_path: Path) -> Clients:
    return Clients(tmp_path)


def _json(response: Any, status: int) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_the_owner_and_an_admin_read_the_log_another_partner_gets_404(clients: Clients) -> None:
    event = ingested({"age": 3})
    clients.handler(event)
    body = _json(clients.by_role["own"].get(f"/validation/{event.data_id}"), 200)
    assert body["data_id"] == event.data_id
    assert body["partner_id"] == "partner123"
    assert [e["type"] for e in body["entries"]] == ["ValidationStarted", "RuleFailed", "ValidationCompleted"]
    assert body["entries"][1]["detail"] == {"rule": "required", "field": "name", "message": "Is required."}
    assert body["entries"][0]["causation_id"] == event.event_id
    assert body["entries"][0]["ruleset_version"] == "9"
    assert _json(clients.by_role["admin"].get(f"/validation/{event.data_id}"), 200) == body
    other = clients.by_role["other"].get(f"/validation/{event.data_id}")
    unknown = clients.by_role["own"].get(f"/validation/{uuid.uuid4()}")
    assert _json(other, 404)["detail"] == f"No validation log for record {event.data_id}."
    assert other.mimetype == unknown.mimetype == "application/problem+json"
    assert unknown.status_code == 404


def test_no_key_is_401(clients: Clients) -> None:
    assert clients.anonymous.get("/validation/rules").status_code == 401
    assert clients.anonymous.get(f"/validation/{uuid.uuid4()}").status_code == 401


def test_rules_show_the_callers_effective_ruleset_and_admins_see_every_partner(clients: Clients) -> None:
    own = _json(clients.by_role["own"].get("/validation/rules"), 200)
    assert own == {"version": "9", "rules": [_rule("required", "name")], "partners": {}}
    other = _json(clients.by_role["other"].get("/validation/rules"), 200)
    assert other["version"] == "9+partner456"
    assert other["rules"] == [_rule("required", "name"), _rule("required", "age")]
    admin = _json(clients.by_role["admin"].get("/validation/rules"), 200)
    assert admin["partners"] == {"partner456": [_rule("required", "age")]}


def test_the_openapi_document_lists_both_routes(clients: Clients) -> None:
    paths = _json(clients.anonymous.get("/openapi.json"), 200)["paths"]
    assert {"/validation/rules", "/validation/{record_id}"} <= set(paths)


def _rule(kind: str, field: str) -> dict[str, Any]:
    return {"rule": kind, "field": field}
