"""Puts every endpoint of an app behind an API key, except the ones that must stay open."""

from __future__ import annotations

import time

from flask import Flask, g, request
from flask_limiter import Limiter
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from eventkit.auth.keys import KeyFile
from eventkit.auth.principal import Principal
from eventkit.auth.settings import AuthSettings
from eventkit.problems import Problem

ALWAYS_OPEN = {"ops.healthz", "ops.readyz"}
METRICS = {"ops.metrics"}
DOCS = {"api-docs.openapi_json", "api-docs.openapi_swagger_ui", "docs_assets", "static"}
# Keys travel in headers only: a URL ends up in logs, histories and Referer headers.
_KEY_PARAMETERS = {"api_key", "apikey", "key", "token", "access_token", "x-api-key"}


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("X-API-Key")


class Guard:
    """Authenticates each request and throttles failed attempts per client address."""

    def __init__(self, keys: KeyFile, settings: AuthSettings) -> None:
        self.keys = keys
        self.open_endpoints = (
            ALWAYS_OPEN
            | (METRICS if settings.public_metrics else set())
            | (DOCS if settings.public_docs else set())
        )
        # Per process: each gunicorn worker counts its own failures (no store is shared between services).
        self._failures = MovingWindowRateLimiter(MemoryStorage())
        self._failure_limit = parse(settings.failure_limit)

    def check(self) -> None:
        if request.endpoint in self.open_endpoints or request.method == "OPTIONS":
            return
        if _KEY_PARAMETERS & {name.lower() for name in request.args}:
            raise Problem(400, "API keys are not accepted in the URL; send Authorization: Bearer <key>.")
        client = request.remote_addr or "unknown"
        if not self._failures.test(self._failure_limit, client):
            retry_after = max(
                1, int(self._failures.get_window_stats(self._failure_limit, client).reset_time - time.time())
            )
            raise Problem(
                429,
                "Too many failed authentications; wait before retrying.",
                extensions={"retry_after": retry_after},
            )
        raw = _presented_key()
        principal = self.keys.authenticate(raw) if raw else None
        if principal is None:
            self._failures.hit(self._failure_limit, client)
            detail = "The API key is invalid or revoked." if raw else "An API key is required."
            raise Problem(401, f"{detail} Send Authorization: Bearer <key> or X-API-Key: <key>.")
        g.principal = principal


def install_auth(app: Flask, settings: AuthSettings, keys: KeyFile | None = None) -> Guard:
    """Registers the guard before any route runs, and a per-key request rate limit after it."""
    guard = Guard(keys or KeyFile(settings.keys_file), settings)
    app.before_request(guard.check)

    def key_of_caller() -> str:
        principal = g.get("principal")
        return principal.key_id if isinstance(principal, Principal) else (request.remote_addr or "unknown")

    Limiter(
        key_of_caller,
        app=app,
        default_limits=[settings.rate_limit],
        default_limits_exempt_when=lambda: request.endpoint in guard.open_endpoints,
        storage_uri="memory://",
        headers_enabled=True,
    )
    return guard
