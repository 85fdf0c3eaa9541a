"""The pipeline view (counts, activity, lag, dead letters, rebuild) and the admin actions it offers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from eventkit.auth.principal import current_principal
from query_svc.adapters.http.console.bridge import Answer, Panel
from query_svc.adapters.http.console.chart import activity_chart
from query_svc.adapters.http.console.context import Console
from query_svc.adapters.pulsar.backlog import SubscriptionLag
from query_svc.domain.view import STATUSES

REBUILD = "/query/projections/rebuild"
PROJECTIONS = "/query/projections"
DEAD_LETTERS = "/admin/dead-letters"
RUNNING = ("pending", "running", "catching_up", "switching")  # the API's unfinished job states
_JOB_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}\Z")


@dataclass
class TopicLag:
    """One topic's consumers: the broker's backlog per subscription, and how far the query view applied it."""

    topic: str
    subscriptions: list[SubscriptionLag] = field(default_factory=list)
    handled: int | None = None
    last_applied: datetime | None = None
    age_s: float | None = None
    projection_lag: int | None = None  # as GET /query/projections reports it, where offered


def add_pipeline_routes(blueprint: Blueprint, console: Console) -> None:
    @blueprint.get("/")
    def pipeline() -> ResponseReturnValue:
        principal = current_principal()
        now = datetime.now(UTC)
        scope = principal.partner_scope
        stats = Panel.load(lambda: console.ports.queries.stats(scope))
        activity = Panel.load(lambda: console.ports.activity.recent(scope, now))
        chart = activity_chart(activity.data) if activity.state == "ok" else None
        operations = _operations(console, now) if principal.is_admin else None
        return render_template(
            "console/pipeline.html",
            stats=stats,
            statuses=STATUSES,
            activity=activity,
            chart=chart,
            ops=operations,
            now=now,
        )

    @blueprint.post("/rebuild")
    def start_rebuild() -> ResponseReturnValue:
        """Without scripts: starts a rebuild and goes back to the pipeline view, which shows its state."""
        answer = console.bridge.call("POST", REBUILD)
        flash(*_rebuild_message(answer))
        return redirect(url_for("console.pipeline", _anchor="rebuild"))

    @blueprint.post("/api/rebuild")
    def api_start_rebuild() -> ResponseReturnValue:
        return _relay(console.bridge.call("POST", REBUILD))

    @blueprint.get("/api/rebuild/<job_id>")
    def api_rebuild_job(job_id: str) -> ResponseReturnValue:
        if not _JOB_ID.match(job_id):
            abort(404)
        return _relay(console.bridge.call("GET", f"{REBUILD}/{job_id}"))

    @blueprint.get("/api/projections")
    def api_projections() -> ResponseReturnValue:
        return _relay(console.bridge.call("GET", PROJECTIONS))

    @blueprint.get("/dead-letters")
    def dead_letters() -> ResponseReturnValue:
        panel = Panel.of(console.bridge.call("GET", DEAD_LETTERS))
        return render_template("console/dead_letters.html", dead=panel)

    @blueprint.post("/dead-letters/redrive")
    def redrive() -> ResponseReturnValue:
        topic = request.form.get("dead_letter_topic", "")
        answer = console.bridge.call("POST", f"{DEAD_LETTERS}/redrive", {"dead_letter_topic": topic})
        if 200 <= answer.status < 300:
            flash(f"Redrive of {topic} started: {json.dumps(answer.body)}", "info")
        else:
            flash(f"Redrive of {topic} refused: {_refusal(answer)}", "error")
        return redirect(url_for("console.dead_letters"))


def _operations(console: Console, now: datetime) -> dict[str, Any]:
    """The admin-only panels: they show every partner's traffic."""
    projections = Panel.of(console.bridge.call("GET", PROJECTIONS))
    ports = console.ports
    lag = Panel.load(lambda: topic_lags(ports.checkpoints(), ports.backlog(), projections, now))
    jobs = projections.data.get("jobs", []) if projections.state == "ok" else []
    latest = max(jobs, key=lambda job: str(job.get("created_at") or ""), default=None)
    return {
        "projections": projections,
        "lag": lag,
        "dead": Panel.of(console.bridge.call("GET", DEAD_LETTERS)),
        "job": latest,
        "running": latest is not None and latest.get("state") in RUNNING,
        "progress": job_progress(latest) if latest is not None else None,
    }


def job_progress(job: dict[str, Any]) -> tuple[int, int] | None:
    """Events replayed and the topics' messages at the start, summed; None while the totals are unknown."""
    total = sum((job.get("totals") or {}).values())
    if not total:
        return None
    return min(sum((job.get("replayed") or {}).values()), total), total


def topic_lags(
    checkpoints: dict[str, dict[str, Any]], lags: list[SubscriptionLag], projections: Panel, now: datetime
) -> list[TopicLag]:
    """Joins the broker's view of each topic with the query view's checkpoints, in pipeline order."""
    topics: dict[str, TopicLag] = {}
    for lag in lags:
        topics.setdefault(lag.topic, TopicLag(lag.topic)).subscriptions.append(lag)
    for name, checkpoint in checkpoints.items():
        row = topics.setdefault(_short(name), TopicLag(_short(name)))
        row.handled = checkpoint.get("handled")
        row.last_applied = checkpoint.get("last_occurred_at")
        if row.last_applied is not None:
            row.age_s = max(0.0, (now - row.last_applied).total_seconds())
    if projections.state == "ok":
        for name, value in (projections.data.get("active", {}).get("lag") or {}).items():
            topics.setdefault(_short(name), TopicLag(_short(name))).projection_lag = value
    return list(topics.values())


def _short(topic: str) -> str:
    return topic.rsplit("/", 1)[-1]


def _rebuild_message(answer: Answer) -> tuple[str, str]:
    if answer.status == 202:
        return f"Rebuild {answer.body.get('id')} started.", "info"
    if answer.status == 409:
        return "A rebuild is already running.", "error"
    return f"Rebuild not started: {_refusal(answer)}", "error"


def _refusal(answer: Answer) -> str:
    """Why the API refused an action: its own words where it gave them (a 404 may name an unknown topic)."""
    return f"{answer.status}: {answer.detail}" if answer.detail else Panel.of(answer).message


def _relay(answer: Answer) -> Response:
    """The API's answer as the console's own JSON (scripts read it); 'not available' keeps its 404."""
    body = answer.body if answer.body is not None else {"status": answer.status}
    mimetype = "application/problem+json" if answer.status >= 400 else "application/json"  # as the API said
    return Response(json.dumps(body), status=answer.status, mimetype=mimetype)
