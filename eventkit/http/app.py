"""Builds a service's Flask app: OpenAPI docs served locally, ops endpoints, errors, request ids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import swagger_ui_bundle
from flask import Flask, send_from_directory
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint

from eventkit.auth.guard import install_auth
from eventkit.auth.settings import AuthSettings
from eventkit.health import Check
from eventkit.http.errors import ErrorMapping, register_error_handlers
from eventkit.http.json_body import DEFAULT_MAX_DEPTH
from eventkit.http.ops import ops_blueprint
from eventkit.http.requests import install_request_hooks

_DOCS_ASSETS = "/docs/assets/"


def create_app(
    title: str,
    checks: Mapping[str, Check],
    blueprints: Iterable[Blueprint] = (),
    *,
    errors: ErrorMapping | None = None,
    max_body_bytes: int = 1024 * 1024,
    max_json_depth: int = DEFAULT_MAX_DEPTH,
    auth: AuthSettings | None = None,
) -> Flask:
    """Creates the app with `/openapi.json`, `/docs`, `/healthz`, `/readyz`, `/metrics` and the blueprints."""
    app = Flask(title)
    app.config.update(
        API_TITLE=title,
        API_VERSION="1.0",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        # Assets are served from the swagger-ui-bundle package: the docs work with no internet.
        OPENAPI_SWAGGER_UI_URL=_DOCS_ASSETS,
        MAX_CONTENT_LENGTH=max_body_bytes,
        MAX_JSON_DEPTH=max_json_depth,
        JSON_SORT_KEYS=False,
    )
    api = Api(app)
    api.register_blueprint(ops_blueprint(checks))
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    _serve_docs_assets(app)
    install_request_hooks(app)
    if auth is not None:
        install_auth(app, auth)
    register_error_handlers(app, errors)
    return app


def _serve_docs_assets(app: Flask) -> None:
    @app.route(f"{_DOCS_ASSETS}<path:filename>")
    def docs_assets(filename: str) -> ResponseReturnValue:
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
