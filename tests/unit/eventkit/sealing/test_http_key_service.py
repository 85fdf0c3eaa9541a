"""HttpKeyService asks ingestion's key store over HTTP; here a loopback server stands in for ingestion."""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from eventkit.sealing.cipher import DataKey
from eventkit.sealing.keys import HttpKeyService, KeyLookup, KeyServiceSettings, KeysUnavailable
from eventkit.settings import Env, SettingsError

SERVICE_KEY = "dik_svc01_s3cr3t-value_with_underscores"
SECRET_A, SECRET_B = bytes(range(32)), bytes(range(32, 64))


@dataclass
class Seen:
    method: str
    path: str
    authorization: str | None
    body: object


class _KeyStoreServer(ThreadingHTTPServer):
    status = 200
    answer: bytes = b"{}"
    seen: list[Seen]


class _Handler(BaseHTTPRequestHandler):
    server: _KeyStoreServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"null")
        path = self.requestline.split()[1]  # as sent: http.server folds a leading "//" in self.path
        self.server.seen.append(Seen("POST", path, self.headers.get("Authorization"), body))
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.answer)))
        self.end_headers()
        self.wfile.write(self.server.answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class KeyStore:
    """The loopback server: what it answers next, and every request it saw."""

    server: _KeyStoreServer
    url: str
    seen: list[Seen] = field(default_factory=list)

    def answer(self, status: int, body: object) -> None:
        self.server.status = status
        self.server.answer = json.dumps(body).encode()


@pytest.fixture
def key_store() -> Iterator[KeyStore]:
    server = _KeyStoreServer(("127.0.0.1", 0), _Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield KeyStore(server, f"http://127.0.0.1:{server.server_address[1]}", server.seen)
    finally:
        server.shutdown()
        server.server_close()


def _b64(secret: bytes) -> str:
    return base64.b64encode(secret).decode("ascii")


def test_the_answer_gives_live_keys_and_erased_records(
    key_store: KeyStore, caplog: pytest.LogCaptureFixture
) -> None:
    key_store.answer(
        200, {"keys": {"a": _b64(SECRET_A), "b": _b64(SECRET_B)}, "erased": ["c"], "unknown": ["d"]}
    )

    with caplog.at_level(logging.WARNING):
        lookup = HttpKeyService(key_store.url + "/", SERVICE_KEY)(["a", "b", "c", "d"])

    assert lookup == KeyLookup({"a": DataKey("a", SECRET_A), "b": DataKey("b", SECRET_B)}, frozenset({"c"}))
    assert key_store.seen == [
        Seen("POST", "/internal/keys/unwrap", f"Bearer {SERVICE_KEY}", {"data_ids": ["a", "b", "c", "d"]})
    ]
    assert "['d']" in caplog.text and SERVICE_KEY not in caplog.text


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_service_key_is_an_outage_that_says_what_to_check(key_store: KeyStore, status: int) -> None:
    key_store.answer(status, {"title": "Unauthorized"})

    with pytest.raises(KeysUnavailable) as caught:
        HttpKeyService(key_store.url, SERVICE_KEY)(["a"])

    message = str(caught.value)
    assert f"refused this service's key ({status})" in message
    assert "KEY_SERVICE_API_KEY" in message and "role service" in message
    assert key_store.url in message and SERVICE_KEY not in message


@pytest.mark.parametrize("status", [500, 503, 404])
def test_any_other_failure_is_an_outage_naming_the_status(key_store: KeyStore, status: int) -> None:
    key_store.answer(status, {"title": "Oops"})

    with pytest.raises(KeysUnavailable, match=f"answered {status}"):
        HttpKeyService(key_store.url, SERVICE_KEY)(["a"])


@pytest.mark.parametrize(
    "body",
    [
        "<html>a proxy's page</html>",
        {"erased": []},
        {"keys": {"a": _b64(b"short")}, "erased": []},
        {"keys": {"a": "not base64!"}, "erased": []},
        {"keys": [], "erased": []},
    ],
)
def test_a_malformed_200_answer_is_an_outage_not_a_poison_message(key_store: KeyStore, body: object) -> None:
    key_store.server.status = 200
    key_store.server.answer = body.encode() if isinstance(body, str) else json.dumps(body).encode()

    with pytest.raises(KeysUnavailable, match="answered 200 with a malformed body"):
        HttpKeyService(key_store.url, SERVICE_KEY)(["a"])


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens there any more


def test_a_key_store_that_does_not_answer_is_an_outage() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"

    with pytest.raises(KeysUnavailable, match="did not answer") as caught:
        HttpKeyService(url, SERVICE_KEY, timeout_s=2)(["a"])

    assert url in str(caught.value) and SERVICE_KEY not in str(caught.value)


def test_the_settings_ask_the_configured_key_store_behind_a_cache(key_store: KeyStore) -> None:
    key_store.answer(200, {"keys": {"a": _b64(SECRET_A)}, "erased": [], "unknown": []})
    settings = KeyServiceSettings.from_env(
        Env({"KEY_SERVICE_URL": key_store.url, "KEY_SERVICE_API_KEY": SERVICE_KEY, "KEY_CACHE_SECONDS": "60"})
    )
    keys = settings.data_keys()

    assert keys.lookup(["a"]).key_for("a") == DataKey("a", SECRET_A)
    assert keys.lookup(["a"]).key_for("a") == DataKey("a", SECRET_A)
    assert [seen.authorization for seen in key_store.seen] == [
        f"Bearer {SERVICE_KEY}"
    ]  # the second was cached


def test_the_settings_default_to_the_local_ingestion_and_60_seconds() -> None:
    settings = KeyServiceSettings.from_env(Env({"KEY_SERVICE_API_KEY": SERVICE_KEY}))

    assert (settings.url, settings.api_key, settings.cache_seconds) == (
        "http://127.0.0.1:5000",
        SERVICE_KEY,
        60,
    )
    assert SERVICE_KEY not in repr(settings)


def test_the_service_key_may_come_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "service-key"
    path.write_text(SERVICE_KEY + "\n", encoding="utf-8")

    assert KeyServiceSettings.from_env(Env({"KEY_SERVICE_API_KEY_FILE": str(path)})).api_key == SERVICE_KEY


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {},
            "set KEY_SERVICE_API_KEY or KEY_SERVICE_API_KEY_FILE (and KEY_SERVICE_URL) to a key of role service",
        ),
        (
            {"KEY_SERVICE_API_KEY": SERVICE_KEY, "KEY_SERVICE_API_KEY_FILE": "/run/secrets/k"},
            "set KEY_SERVICE_API_KEY or KEY_SERVICE_API_KEY_FILE, not both",
        ),
        ({"KEY_SERVICE_API_KEY_FILE": "/nonexistent/service-key"}, "KEY_SERVICE_API_KEY_FILE '/nonexistent/"),
        (
            {"KEY_SERVICE_API_KEY": SERVICE_KEY, "KEY_SERVICE_URL": "ftp://ingestion:5000"},
            "KEY_SERVICE_URL must be a URL with scheme http or https",
        ),
        ({"KEY_SERVICE_API_KEY": SERVICE_KEY, "KEY_SERVICE_URL": " "}, "KEY_SERVICE_URL must not be empty"),
        (
            {"KEY_SERVICE_API_KEY": SERVICE_KEY, "KEY_CACHE_SECONDS": "61"},
            "KEY_CACHE_SECONDS must be between 0 and 60, got 61",
        ),
        (
            {"KEY_SERVICE_API_KEY": SERVICE_KEY, "KEY_CACHE_SECONDS": "a minute"},
            "KEY_CACHE_SECONDS must be an integer, got 'a minute'",
        ),
    ],
)
def test_a_missing_or_malformed_setting_fails_naming_the_variable(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        KeyServiceSettings.from_env(Env(environ))

    assert str(caught.value).startswith(message)
    assert SERVICE_KEY not in str(caught.value)
