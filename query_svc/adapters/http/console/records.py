"""The record explorer (filter, sort, pages) and the record page (document, results, timeline, as of)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue

from eventkit.auth.principal import current_principal
from query_svc.adapters.http.console.context import Console
from query_svc.adapters.http.console.filter_box import as_of_moment, filter_params
from query_svc.application.queries import Page
from query_svc.domain.errors import InvalidQuery, RecordNotFound, ViewUnavailable
from query_svc.domain.timeline import INGESTED, PROCESSED, VALIDATED

COLUMNS = (
    ("id", "Record"),
    ("partner_id", "Partner"),
    ("status", "Status"),
    ("version", "Version"),
    ("timestamp", "Received"),
    ("updated_at", "Updated"),
)
LIST_FIELDS = ",".join(name for name, _ in COLUMNS)
PAGE_SIZES = ("25", "50", "100")
DEFAULT_SORT = "-timestamp"
MAX_TRAIL = 50  # pages one can step back through


def add_record_routes(blueprint: Blueprint, console: Console) -> None:
    @blueprint.get("/records")
    def records() -> ResponseReturnValue:
        q = request.args.get("q", "")
        sort = request.args.get("sort") or DEFAULT_SORT
        limit = request.args.get("limit") or PAGE_SIZES[0]
        limit = limit if limit in PAGE_SIZES else PAGE_SIZES[0]
        cursor = request.args.get("cursor", "")
        trail = _trail(request.args.get("trail"))
        page, error, status = None, None, 200
        try:
            params = {**filter_params(q), "sort": sort, "limit": limit, "fields": LIST_FIELDS}
            if cursor:
                params["cursor"] = cursor
            page = console.ports.queries.list(params, current_principal().partner_scope)
        except InvalidQuery as refused:
            error, status = str(refused), 400
        except ViewUnavailable as unavailable:
            error, status = f"The records view did not answer: {unavailable}", 503
        state: dict[str, Any] = {"q": q, "sort": sort, "limit": limit}
        links = _page_links(state, cursor, trail, page)
        columns = [(name, label, _sort_link(state, name)) for name, label in COLUMNS]
        context = {"page": page, "error": error, "columns": columns, "page_sizes": PAGE_SIZES}
        return render_template("console/records.html", **context, **state, **links), status

    @blueprint.get("/records/<record_id>")
    def record(record_id: str) -> ResponseReturnValue:
        try:
            uuid.UUID(record_id)
        except ValueError:
            abort(404, f"{record_id!r} is not a record id.")
        scope = current_principal().partner_scope
        as_of_text = request.args.get("as_of", "")
        try:
            current = console.ports.queries.get(record_id, scope)
            history = console.ports.queries.history(record_id, scope)
        except RecordNotFound:
            detail = f"No record {record_id} for your key: it does not exist or belongs to another partner."
            page = render_template("console/error.html", status=404, title="Record not found", detail=detail)
            return page, 404
        document: dict[str, Any] | None = current
        moment, note, status = None, None, 200
        try:
            moment = as_of_moment(as_of_text)
            if moment is not None:
                document = console.ports.queries.as_of(record_id, moment, scope)
        except InvalidQuery as refused:
            note, status, moment = str(refused), 400, None
        except RecordNotFound:
            document, note = None, "The record did not exist yet at that moment."
        return render_template(
            "console/record.html",
            record_id=record_id,
            current=current,
            doc=document,
            moment=moment,
            picker=_picker_value(moment or datetime.now(UTC)),
            note=note,
            timeline=[{**entry, "summary": summary(entry)} for entry in history],
        ), status


def summary(entry: dict[str, Any]) -> str:
    """One line saying what an event did."""
    data = entry["data"]
    if entry["event_type"] == INGESTED:
        external = f", external id {data['external_id']}" if data.get("external_id") else ""
        return f"version {entry['record_version']} received{external}"
    if entry["event_type"] == VALIDATED:
        if data.get("is_valid"):
            return f"valid (rules {data.get('ruleset_version')})"
        return f"invalid: {len(data.get('errors', []))} error(s) (rules {data.get('ruleset_version')})"
    if entry["event_type"] == PROCESSED:
        return f"{data.get('status')} by pipeline {data.get('pipeline_version')}"
    return str(entry["event_type"])


def _picker_value(moment: datetime) -> str:
    """The value a datetime-local input shows: UTC, to the millisecond, without an offset."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}"


def _trail(raw: str | None) -> list[str]:
    """The cursors of the pages before this one ('' is the first page), oldest first."""
    return [] if raw is None else raw.split(".")[-MAX_TRAIL:]


def _page_links(state: dict[str, Any], cursor: str, trail: list[str], page: Page | None) -> dict[str, Any]:
    previous = None
    if len(trail) == 1:
        previous = url_for("console.records", **state)
    elif trail:  # the trail of the page before keeps its leading '' (the first page)
        previous = url_for("console.records", **state, cursor=trail[-1], trail=".".join(trail[:-1]))
    following = None
    if page is not None and page.next_cursor:
        trail_here = ".".join([*trail, cursor])
        following = url_for("console.records", **state, cursor=page.next_cursor, trail=trail_here)
    return {"previous_url": previous, "next_url": following, "page_number": len(trail) + 1}


def _sort_link(state: dict[str, Any], name: str) -> dict[str, Any]:
    current = state["sort"]
    if current == name:
        return {"url": url_for("console.records", **{**state, "sort": f"-{name}"}), "order": "ascending"}
    if current == f"-{name}":
        return {"url": url_for("console.records", **{**state, "sort": name}), "order": "descending"}
    return {"url": url_for("console.records", **{**state, "sort": name}), "order": None}
