"""Admin routes of the view's projections: the active generation and its lag, and rebuild jobs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Response
from prometheus_client import Gauge

from eventkit.auth.principal import require_admin
from eventkit.http.blueprint import Blueprint
from query_svc.adapters.http.rendering import json_response
from query_svc.adapters.http.scrape import refresh_on_scrape
from query_svc.application.rebuild import Rebuilds

CONSUMER_LAG = Gauge(
    "query_consumer_lag_messages",
    "Messages of each event topic the query projector's subscription has not acknowledged yet",
    ["topic"],
    multiprocess_mode="mostrecent",
)
VIEW_AGE = Gauge(
    "query_view_newest_event_age_seconds",
    "Seconds since the newest event the view applied from each topic happened",
    ["topic"],
    multiprocess_mode="mostrecent",
)
LAG_REFRESH_S = 5.0


def projections_blueprint(rebuilds: Rebuilds, status: Callable[[], dict[str, Any]]) -> Blueprint:
    blp = Blueprint(
        "projections",
        __name__,
        url_prefix="/query/projections",
        description="The view's projections: active generation, lag, zero-downtime rebuild (admin only)",
    )
    blp.before_app_request(
        refresh_on_scrape(lambda: _set_lag(status()), LAG_REFRESH_S, "the consumer lag gauge")
    )

    @blp.route("", methods=["GET"])
    @blp.response(
        200,
        description="`active`: generation, collection, checkpoints, lag per topic, live consumers; "
        "`jobs`: the latest rebuilds",
    )
    @blp.alt_response(403, description="Not an admin key")
    def projections() -> Response:
        require_admin()
        return json_response({"active": status(), "jobs": [job.as_dict() for job in rebuilds.recent()]})

    @blp.route("/rebuild", methods=["POST"])
    @blp.response(
        202, description="The job started: replays every topic into a new generation, then switches to it"
    )
    @blp.alt_response(409, description="A rebuild is already running")
    @blp.alt_response(403, description="Not an admin key")
    def start() -> Response:
        require_admin()
        job = rebuilds.start()
        return json_response(
            job.as_dict(), status=202, headers={"Location": f"/query/projections/rebuild/{job.id}"}
        )

    @blp.route("/rebuild/<job_id>", methods=["GET"])
    @blp.response(200, description="The job: state, events replayed per topic, rate, ETA, times, error")
    @blp.alt_response(404, description="No such job")
    @blp.alt_response(403, description="Not an admin key")
    def get(job_id: str) -> Response:
        require_admin()
        return json_response(rebuilds.get(job_id).as_dict())

    @blp.route("/rebuild/<job_id>", methods=["DELETE"])
    @blp.response(
        202, description="Cancellation asked for; the job stops within a second, the current view stays"
    )
    @blp.alt_response(404, description="No such job")
    @blp.alt_response(409, description="The job has already finished, or is switching and can no longer stop")
    @blp.alt_response(403, description="Not an admin key")
    def cancel(job_id: str) -> Response:
        require_admin()
        return json_response(rebuilds.cancel(job_id).as_dict(), status=202)

    return blp


def _set_lag(status: dict[str, Any]) -> None:
    for topic, backlog in status["lag"].items():
        CONSUMER_LAG.labels(topic).set(backlog)
    now = datetime.now(UTC)
    for topic, checkpoint in status["checkpoints"].items():
        if checkpoint.get("last_occurred_at") is not None:
            age = (now - checkpoint["last_occurred_at"]).total_seconds()
            VIEW_AGE.labels(topic.rsplit("/", 1)[-1]).set(max(age, 0.0))
