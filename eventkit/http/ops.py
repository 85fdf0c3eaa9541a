"""Operational endpoints every service answers: liveness, readiness, metrics."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, jsonify
from flask_smorest import Blueprint

from eventkit.health import Check, run_checks
from eventkit.metrics import exposition
from eventkit.problems import Problem


def ops_blueprint(checks: Mapping[str, Check]) -> Blueprint:
    blp = Blueprint("ops", __name__, description="Liveness, readiness and metrics")

    @blp.route("/healthz")
    @blp.response(200, description="The process is alive")
    def healthz() -> Response:
        return jsonify(status="ok")

    @blp.route("/readyz")
    @blp.response(200, description="Every store and the broker answer")
    @blp.alt_response(503, description="A dependency does not answer (problem+json lists which)")
    def readyz() -> Response:
        results = run_checks(checks)
        body = {r.name: {"ok": r.ok, "detail": r.detail, "ms": r.millis} for r in results}
        failing = [r.name for r in results if not r.ok]
        if failing:
            raise Problem(503, f"Not ready: {', '.join(failing)} unavailable.", extensions={"checks": body})
        return jsonify(status="ready", checks=body)

    @blp.route("/metrics")
    @blp.response(200, description="Prometheus text exposition")
    def metrics() -> Response:
        payload, content_type = exposition()
        return Response(payload, mimetype=content_type.split(";")[0], content_type=content_type)

    return blp
