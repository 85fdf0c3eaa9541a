"""What authentication adds to a request: one route served with and without the key guard, in-process."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from flask import Flask

from bench.report import Figure
from eventkit.auth.keys import add_key
from eventkit.auth.settings import AuthSettings
from eventkit.http.app import create_app
from eventkit.settings import Env


def _app(auth: AuthSettings | None) -> Flask:
    app = create_app("bench_auth", {}, auth=auth)
    app.add_url_rule("/ping", "ping", lambda: {"ok": True})
    return app


def _microseconds_per_request(app: Flask, headers: dict[str, str], requests: int) -> float:
    client = app.test_client()
    for _ in range(200):  # warm up
        client.get("/ping", headers=headers)
    started = time.perf_counter()
    for _ in range(requests):
        assert client.get("/ping", headers=headers).status_code == 200
    return (time.perf_counter() - started) / requests * 1e6


def overhead(runs: int, requests: int = 5000) -> list[Figure]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "keys.json"
        for _ in range(50):  # a key file of realistic size
            add_key(path, "partner", "partner123")
        key = add_key(path, "partner", "partner123")
        settings = AuthSettings.from_env(Env({"API_KEYS_FILE": str(path), "RATE_LIMIT": "1000000000/minute"}))
        guarded, bare = _app(settings), _app(None)
        figure = Figure("GET with API key (in-process)", "per request", "us", baseline="same route, no auth")
        for _ in range(runs):
            figure.values.append(
                _microseconds_per_request(guarded, {"Authorization": f"Bearer {key}"}, requests)
            )
            figure.baseline_values.append(_microseconds_per_request(bare, {}, requests))
    return [figure]
