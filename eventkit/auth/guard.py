"""Puts every endpoint of an app behind an API key, except the ones that must stay open."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter

from eventkit.auth.keys import KeyFile
from eventkit.auth.principal import Principal
from eventkit.auth.settings import AuthSettings
from eventkit.auth.throttle import FailureThrottle
from eventkit.problems import Problem

ALWAYS_OPEN = {"ops.healthz", "ops.readyz"}
METRICS = {"ops.metrics"}
DOCS = {"api-docs.openapi_json", "api-docs.openapi_swagger_ui", "docs_assets", "static"}
# Keys travel in headers only: a URL ends up in logs, histories and Referer headers.
_REDIS_TIMEOUTS: dict[str, str | int] = {"socket_timeout": 1, "socket_connect_timeout": 1}
_KEY_PARAMETERS = {"api_key", "apikey", "key", "token", "access_token", "x-api-key"}


F = TypeVar("F", bound=Callable[..., object])
_FOR_SERVICES = "for_services"


def for_services(view: F) -> F:
    """Marks a route as one that service keys call, and the only kind they may: every other route answers a
    service key 403. Put it below the route decorator (flask-smorest's wrappers keep the mark)."""
    setattr(view, _FOR_SERVICES, True)
    return view


def _serves_services() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, _FOR_SERVICES, False))


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("X-API-Key")


class Guard:
    """Authenticates each request and throttles failed attempts per client address and key id."""

    def __init__(self, keys: KeyFile, settings: AuthSettings) -> None:
        self.keys = keys
        self.open_endpoints = (
            ALWAYS_OPEN
            | (METRICS if settings.public_metrics else set())
            | (DOCS if settings.public_docs else set())
        )
        self._failures = FailureThrottle(settings.failure_limit)

    def check(self) -> None:
        if request.endpoint in self.open_endpoints or request.method == "OPTIONS":
            return
        if _KEY_PARAMETERS & {name.lower() for name in request.args}:
            raise Problem(400, "API keys are not accepted in the URL; send Authorization: Bearer <key>.")
        raw = _presented_key()
        retry_after = self._failures.retry_after(raw)
        if retry_after is not None:
            raise Problem(
                429,
                "Too many failed authentications with this key from this address; wait before retrying.",
                extensions={"retry_after": retry_after},
            )
        principal = self.keys.authenticate(raw) if raw else None
        if principal is None:
            self._failures.failed(raw)
            detail = "The API key is invalid or revoked." if raw else "An API key is required."
            raise Problem(401, f"{detail} Send Authorization: Bearer <key> or X-API-Key: <key>.")
        if principal.is_service != _serves_services():
            raise Problem(
                403,
                "This endpoint is for other services of the system; a service key may call nothing else."
                if principal.is_service
                else "This endpoint is for other services of the system: it needs a key of role service.",
            )
        g.principal = principal


def install_auth(app: Flask, settings: AuthSettings, keys: KeyFile | None = None) -> Guard:
    """Registers the guard before any route runs, and a per-key request rate limit after it.

    The limit counts every request of a key across all routes, workers and services when the storage is
    shared (RATE_LIMIT_STORAGE_URL, Redis in the stack): a key's own `rate_limit`, else RATE_LIMIT. When
    that storage is unreachable each process counts in memory, so an outage of it refuses no one."""
    key_file = keys or KeyFile(settings.keys_file)
    guard = Guard(key_file, settings)
    app.before_request(guard.check)

    def exempt() -> bool:
        # Services are the system's own consumers: limiting them would stall the pipeline, not an abuser.
        principal = g.get("principal")
        return request.endpoint in guard.open_endpoints or (
            isinstance(principal, Principal) and principal.is_service
        )

    def key_of_caller() -> str:
        principal = g.get("principal")
        return principal.key_id if isinstance(principal, Principal) else (request.remote_addr or "unknown")

    def limit_of_caller() -> str:
        principal = g.get("principal")
        own = key_file.rate_limit_of(principal.key_id) if isinstance(principal, Principal) else None
        return own or settings.rate_limit

    # Runs after the limiter's own after_request (Flask runs them last registered first), which sets
    # Retry-After on every answer to the key's window reset: a problem's own value wins, and an answer
    # that asks for no retry carries none.
    @app.after_request
    def _retry_after(response: Response) -> Response:
        own = g.pop("retry_after", None)
        if own is not None:
            response.headers["Retry-After"] = str(own)
        elif response.status_code not in (429, 503):
            response.headers.pop("Retry-After", None)
        return response

    Limiter(
        key_of_caller,
        app=app,
        application_limits=[limit_of_caller],
        application_limits_exempt_when=exempt,
        storage_uri=settings.rate_limit_storage_url,
        # a stalled Redis delays a request by a second at most, then the in-memory fallback counts
        storage_options=_REDIS_TIMEOUTS if settings.rate_limit_storage_url.startswith("redis") else {},
        strategy="sliding-window-counter",
        key_prefix="dataingest",
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=True,
    )
    return guard
