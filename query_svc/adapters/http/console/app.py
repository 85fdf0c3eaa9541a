"""The console's own small Flask app, mounted at /console beside the API of the same process.

It is a separate app because the API's guard wants a key in a header on every request, which a browser
navigating pages cannot send; the console signs people in with the same keys and the same key file instead
(see session.py) and reads through the same use cases with the same partner scope.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, Response, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from eventkit.auth.settings import AuthSettings
from eventkit.http.requests import install_request_hooks
from query_svc.adapters.http.console.bridge import ApiBridge
from query_svc.adapters.http.console.context import Console, ConsolePorts
from query_svc.adapters.http.console.login import add_login_routes
from query_svc.adapters.http.console.pipeline import add_pipeline_routes
from query_svc.adapters.http.console.records import add_record_routes
from query_svc.adapters.http.console.session import ConsoleSession, check_csrf, cipher_for, csrf_token
from query_svc.console_settings import ConsoleSettings

log = logging.getLogger(__name__)

PREFIX = "/console"
OPEN_ENDPOINTS = {"console.login", "static"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def mount_console(api: Flask, settings: ConsoleSettings, auth: AuthSettings, ports: ConsolePorts) -> None:
    """Serves the console under /console of the API's own WSGI app."""
    console = create_console_app(settings, auth, ports, api.wsgi_app)
    api.wsgi_app = DispatcherMiddleware(api.wsgi_app, {PREFIX: console})  # type: ignore[method-assign]


def create_console_app(
    settings: ConsoleSettings, auth: AuthSettings, ports: ConsolePorts, api: Callable[..., Any]
) -> Flask:
    if settings.secret_key is None:
        raise ValueError("the console needs a secret key (CONSOLE_SECRET_KEY)")
    lifetime = timedelta(minutes=settings.session_minutes)
    app = Flask(__name__, static_folder="static", template_folder="templates")  # beside this module
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_PATH=PREFIX,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.secure_cookie,
        PERMANENT_SESSION_LIFETIME=lifetime,
        SESSION_REFRESH_EACH_REQUEST=False,  # the lifetime counts from sign-in
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    session = ConsoleSession(ports.keys, cipher_for(settings.secret_key), lifetime, auth.failure_limit)
    console = Console(ports, ApiBridge(api), session)
    blueprint = Blueprint("console", __name__)
    for add_routes in (add_login_routes, add_pipeline_routes, add_record_routes):
        add_routes(blueprint, console)
    app.register_blueprint(blueprint)
    install_request_hooks(app)
    app.before_request(lambda: _sign_in_required(console.session))
    app.after_request(_security_headers)
    _install_errors(app)
    _install_template_helpers(app)
    return app


def _sign_in_required(session: ConsoleSession) -> ResponseReturnValue | None:
    if request.endpoint not in OPEN_ENDPOINTS:
        signed_in = session.signed_in()
        if signed_in is None:
            if request.path.startswith("/api/"):
                return _json_problem(401, "Your console session has ended; sign in again.")
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        g.principal, g.api_key = signed_in.principal, signed_in.api_key
    if request.method == "POST":
        check_csrf()
    return None


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def _json_problem(status: int, detail: str) -> Response:
    body = json.dumps({"status": status, "title": HTTP_STATUS_CODES.get(status, "Error"), "detail": detail})
    return Response(body, status=status, mimetype="application/problem+json")


def _install_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        if request.path.startswith("/api/"):
            return _json_problem(status, error.description or error.name)
        page = render_template(
            "console/error.html", status=status, title=error.name, detail=error.description
        )
        return page, status

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        log.exception("unhandled console error on %s %s", request.method, request.path)
        detail = "An unexpected error occurred; it has been logged."
        if request.path.startswith("/api/"):
            return _json_problem(500, detail)
        return render_template("console/error.html", status=500, title="Error", detail=detail), 500


def _install_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(csrf_token=csrf_token)
    app.jinja_env.filters.update(when=when, ago=ago, pretty=pretty)


def when(value: Any) -> str:
    """A time as people read it in an operations console: UTC, to the millisecond."""
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if not isinstance(value, datetime):
        return "—" if value is None else str(value)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def ago(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def pretty(value: Any) -> str:
    text: str = json.dumps(value, indent=2, ensure_ascii=False, default=when)
    return text
