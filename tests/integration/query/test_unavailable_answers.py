"""Issue 22, item 6: when the view store and the broker do not answer, query's 503 and /readyz answers say so
without the drivers' text (hosts, ports, server internals), which goes to the service log instead.

The dependencies are real addresses that refuse connections; before the fix the answers carried pymongo's
and requests' messages, e.g. "127.0.0.1:9: [Errno 111] Connection refused".
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from eventkit.settings import Env
from query_svc.bootstrap import create_app
from query_svc.settings import Settings
from tests.api_keys import TestKeys

# What the drivers' messages hold and an answer must not.
LEAKS = ("Connection refused", "Errno", "ServerSelectionTimeoutError", "HTTPConnectionPool", "topology")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections (bound, never listening, for the test's length)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.fixture
def client(keys: TestKeys, closed_port: int) -> FlaskClient:
    environ = {
        "API_KEYS_FILE": str(keys.path),
        "MONGO_URL": f"mongodb://127.0.0.1:{closed_port}",
        "PULSAR_ADMIN_URL": f"http://127.0.0.1:{closed_port}",
    }
    app = create_app(Settings.from_env(Env(environ)))
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys.partner}"
    return test_client


def _leaked(body: str, port: int) -> list[str]:
    return [text for text in (*LEAKS, f":{port}") if text in body]


def test_readyz_names_the_failing_dependencies_without_their_errors(
    client: FlaskClient, closed_port: int
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert {name for name, check in body["checks"].items() if not check["ok"]} == {"mongodb", "pulsar"}
    assert _leaked(response.get_data(as_text=True), closed_port) == []


@pytest.mark.parametrize(
    "path", ["/query/all", "/query/stats", "/query/00000000-0000-4000-8000-000000000000"]
)
def test_a_read_the_store_cannot_answer_is_a_503_that_says_to_retry(
    client: FlaskClient, closed_port: int, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get(path)
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert "retry" in response.get_json()["detail"]
    assert _leaked(response.get_data(as_text=True), closed_port) == []
    assert str(closed_port) in caplog.text  # the operator still has the driver's error, in the log
