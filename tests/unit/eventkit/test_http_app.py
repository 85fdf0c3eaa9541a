"""The shared app factory: ops endpoints, problem+json errors, request ids, local docs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from eventkit.http.app import create_app
from eventkit.problems import Problem


def _json(response: TestResponse) -> dict[str, Any]:
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def _failing() -> str:
    raise ConnectionError("connection refused")


def _app(checks: dict[str, Callable[[], str]]) -> Flask:
    app = create_app("test_svc", checks, max_body_bytes=64)

    @app.post("/boom")
    def boom() -> str:
        raise RuntimeError("bug")

    @app.post("/conflict")
    def conflict() -> str:
        raise Problem(409, "version 2 expected, found 3", extensions={"current_version": 3})

    return app


@pytest.fixture
def client() -> FlaskClient:
    return _app({"store": lambda: "store answers"}).test_client()


def test_liveness_and_readiness_when_dependencies_answer(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert _json(ready)["checks"]["store"]["detail"] == "store answers"


def test_readiness_is_503_problem_naming_the_failing_dependency(caplog: pytest.LogCaptureFixture) -> None:
    response = _app({"store": lambda: "ok", "pulsar": _failing}).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert _json(response)["detail"] == "Not ready: pulsar unavailable."
    assert _json(response)["checks"]["pulsar"] == {
        "ok": False,
        "detail": "did not answer; the service log has its error",
        "ms": _json(response)["checks"]["pulsar"]["ms"],
    }
    assert "connection refused" not in response.get_data(as_text=True)  # the driver's text: logged only
    assert "connection refused" in caplog.text


def test_unknown_route_is_a_404_problem(client: FlaskClient) -> None:
    response = client.get("/nope")
    assert (response.status_code, response.mimetype) == (404, "application/problem+json")
    assert _json(response)["instance"] == "/nope"


def test_a_raised_problem_keeps_its_status_and_extensions(client: FlaskClient) -> None:
    response = client.post("/conflict")
    assert response.status_code == 409
    assert _json(response) == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "version 2 expected, found 3",
        "instance": "/conflict",
        "current_version": 3,
    }


def test_an_unexpected_error_is_a_500_problem_without_internals(client: FlaskClient) -> None:
    response = client.post("/boom")
    assert response.status_code == 500
    assert "bug" not in response.get_data(as_text=True)


def test_a_body_over_the_limit_is_413(client: FlaskClient) -> None:
    response = client.post("/conflict", data=b"x" * 65, content_type="application/json")
    assert (response.status_code, response.mimetype) == (413, "application/problem+json")


def test_request_id_is_echoed_and_an_unsafe_one_replaced(client: FlaskClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"]
    assert replaced and replaced != "bad id <script>" and len(replaced) == 36


def test_metrics_count_requests_in_prometheus_format(client: FlaskClient) -> None:
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'http_requests_total{endpoint="/healthz",method="GET",status="200"}' in body


def test_openapi_and_docs_are_served_without_internet(client: FlaskClient) -> None:
    spec = _json(client.get("/openapi.json"))
    assert {"/healthz", "/readyz", "/metrics"} <= set(spec["paths"])
    docs = client.get("/docs").get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in docs
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
