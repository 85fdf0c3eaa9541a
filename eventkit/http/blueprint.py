"""A flask-smorest Blueprint whose request bodies are parsed as strict JSON (see json_body)."""

from __future__ import annotations

from typing import Any

import flask
import flask_smorest
from flask import current_app
from webargs import core
from webargs.flaskparser import FlaskParser

from eventkit.http.json_body import DEFAULT_MAX_DEPTH, parse_json_body
from eventkit.problems import Problem


class StrictJsonParser(FlaskParser):
    """Refuses non-JSON bodies with 415 and malformed ones with 400 before any schema runs."""

    DEFAULT_VALIDATION_STATUS = 422

    def _raw_load_json(self, req: flask.Request) -> Any:
        body = req.get_data(cache=True)
        if not body:
            return core.missing
        if not core.is_json(req.mimetype):
            raise Problem(415, f"The body must be application/json, not {req.mimetype or 'unspecified'}.")
        return parse_json_body(body, current_app.config.get("MAX_JSON_DEPTH", DEFAULT_MAX_DEPTH))


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = StrictJsonParser()


def strict_json_body() -> Any:
    """Parses the current request's body the same way, for endpoints that validate items one by one."""
    return StrictJsonParser()._raw_load_json(flask.request)
