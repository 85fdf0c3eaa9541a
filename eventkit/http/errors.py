"""Maps every error raised while serving a request to an application/problem+json answer."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

from eventkit.problems import PROBLEM_JSON, Problem

log = logging.getLogger(__name__)

# Exception type -> function building the Problem for it; services add their own error types.
ErrorMapping = Mapping[type[Exception], Callable[[Exception], Problem]]


def problem_response(problem: Problem) -> Response:
    body = json.dumps(problem.to_dict(instance=request.path))
    response = Response(body, status=problem.status, mimetype=PROBLEM_JSON)
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="dataingest"'
    if "retry_after" in problem.extensions:
        response.headers["Retry-After"] = str(problem.extensions["retry_after"])
        g.retry_after = problem.extensions["retry_after"]  # kept over the rate limiter's (auth.guard)
    return response


def _from_http_exception(exc: HTTPException) -> Problem:
    status = exc.code or 500
    data: dict[str, Any] = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if messages is not None:
        # webargs puts marshmallow's field errors here, keyed by location (json, query, headers...).
        return Problem(
            status, "The request does not match the expected schema.", extensions={"errors": messages}
        )
    return Problem(status, exc.description or exc.name)


def register_error_handlers(app: Flask, mapping: ErrorMapping | None = None) -> None:
    """Installs handlers so no error leaves as HTML or as a bare 500 without a log."""
    mapping = mapping or {}

    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return problem_response(_from_http_exception(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        for exc_type, to_problem in mapping.items():
            if isinstance(exc, exc_type):
                return problem_response(to_problem(exc))
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(Problem(500, "An unexpected error occurred; it has been logged."))
