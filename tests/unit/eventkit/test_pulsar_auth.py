"""Pulsar token authentication: the token is read once at start-up, and the admin API gets it on every call."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests

from eventkit.pulsar.admin import PulsarAdmin, pulsar_check
from eventkit.settings import Env, RuntimeSettings, SettingsError

# The shape `bin/pulsar tokens create` prints: {"alg":"HS256"} . {"sub":"ingestion"} . signature
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpbmdlc3Rpb24ifQ.vLb8Ge8hWvI2Yq3S6Dp7yJm3Ue0Jb9TnB3lOtJ1dzKQ"


def runtime(environ: dict[str, str]) -> RuntimeSettings:
    return RuntimeSettings.from_env("svc", 5001, Env(environ))


def test_without_a_token_nothing_changes() -> None:
    settings = runtime({})
    assert settings.pulsar_auth_token == ""
    assert PulsarAdmin.for_runtime(settings).headers == {}


def test_the_token_comes_from_the_variable_and_stays_out_of_repr() -> None:
    settings = runtime({"PULSAR_AUTH_TOKEN": f" {TOKEN}\n"})
    assert settings.pulsar_auth_token == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in repr(PulsarAdmin.for_runtime(settings))


def test_the_token_comes_from_the_file_without_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "ingestion.token"
    path.write_text(TOKEN + "\n")
    assert runtime({"PULSAR_AUTH_TOKEN_FILE": str(path)}).pulsar_auth_token == TOKEN


def test_the_admin_api_gets_the_token_as_a_bearer_credential() -> None:
    admin = PulsarAdmin.for_runtime(runtime({"PULSAR_AUTH_TOKEN": TOKEN}))
    assert admin.headers == {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"PULSAR_AUTH_TOKEN": TOKEN, "PULSAR_AUTH_TOKEN_FILE": "/run/secrets/token"},
            "set PULSAR_AUTH_TOKEN or PULSAR_AUTH_TOKEN_FILE, not both",
        ),
        (
            {"PULSAR_AUTH_TOKEN_FILE": "/nonexistent/token"},
            "PULSAR_AUTH_TOKEN_FILE '/nonexistent/token' cannot be read",
        ),
        ({"PULSAR_AUTH_TOKEN": "secret"}, "PULSAR_AUTH_TOKEN must hold a JWT"),
        ({"PULSAR_AUTH_TOKEN": "a.b.c"}, "PULSAR_AUTH_TOKEN must hold a JWT"),  # header is not JSON
        ({"PULSAR_AUTH_TOKEN": TOKEN + "\r\nX-Evil: 1"}, "PULSAR_AUTH_TOKEN must hold a JWT"),
        ({"PULSAR_AUTH_TOKEN": "Bearer " + TOKEN}, "PULSAR_AUTH_TOKEN must hold a JWT"),
    ],
)
def test_a_bad_token_fails_at_start_naming_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        runtime(environ)
    value = environ.get("PULSAR_AUTH_TOKEN", TOKEN)
    assert value.strip() not in str(raised.value)  # a credential never reaches the message (or the log)


@pytest.mark.parametrize(("content", "message"), [(b"\n", "is empty"), (b"\xff\xfe", "cannot be read")])
def test_an_empty_or_binary_token_file_fails_naming_the_variable(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "token"
    path.write_bytes(content)
    with pytest.raises(SettingsError, match=f"PULSAR_AUTH_TOKEN_FILE.*{message}"):
        runtime({"PULSAR_AUTH_TOKEN_FILE": str(path)})


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]] = []  # path and Authorization header of each request

    def do_GET(self) -> None:
        _Recorder.seen.append((self.path, self.headers.get("Authorization")))
        self.send_response(200 if self.headers.get("Authorization") == f"Bearer {TOKEN}" else 401)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def broker_admin() -> Iterator[str]:
    """A loopback stand-in for the admin API that answers 401 without the token, as the broker does."""
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_readiness_check_looks_up_our_topic_with_the_token(broker_admin: str) -> None:
    topic = "persistent://public/default/data-ingested"
    assert pulsar_check(PulsarAdmin(broker_admin, TOKEN), topic)() == "topic data-ingested served"
    with pytest.raises(requests.HTTPError, match="401"):
        pulsar_check(PulsarAdmin(broker_admin), topic)()
    path = "/lookup/v2/topic/persistent/public/default/data-ingested"
    assert _Recorder.seen[-2:] == [(path, f"Bearer {TOKEN}"), (path, None)]
