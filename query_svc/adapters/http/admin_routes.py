"""Admin routes: the dead letters of every service, their redrive, and their count as a Prometheus gauge."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from flask import Response
from marshmallow import RAISE, Schema, fields, validate
from prometheus_client import Gauge

from eventkit.auth.principal import require_admin
from eventkit.http.blueprint import Blueprint
from eventkit.problems import Problem
from query_svc.adapters.http.params import single_args
from query_svc.adapters.http.rendering import json_response
from query_svc.adapters.http.scrape import refresh_on_scrape
from query_svc.application.dead_letters import (
    DEFAULT_SAMPLE,
    MAX_REDRIVE,
    MAX_SAMPLE,
    DeadLetters,
    DeadLetterSummary,
    DeadLettersUnavailable,
    InvalidDeadLetterRequest,
    RedriveInProgress,
    UnknownDeadLetterTopic,
)
from query_svc.application.listing import bounded_int

DEAD_LETTERS = Gauge(
    "dead_letters",
    "Messages waiting in a dead-letter topic (not yet redriven)",
    ["service", "subscription", "dead_letter_topic"],
    multiprocess_mode="mostrecent",
)
# A scrape refreshes the gauge from the broker at most this often per web worker.
METRIC_REFRESH_S = 15.0

_log = logging.getLogger(__name__)
_STATUS = {
    InvalidDeadLetterRequest: 400,
    UnknownDeadLetterTopic: 404,
    RedriveInProgress: 409,
    DeadLettersUnavailable: 503,
}
_SAMPLE_PARAMETER = {
    "name": "sample",
    "in": "query",
    "description": "How many of each topic's oldest letters to show",
    "schema": {"type": "integer", "minimum": 0, "maximum": MAX_SAMPLE, "default": DEFAULT_SAMPLE},
}


class RedriveRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    dead_letter_topic = fields.String(
        required=True,
        validate=validate.Length(min=1, max=512),
        metadata={"example": "persistent://public/default/data-ingested-processing_svc-DLQ"},
    )
    limit = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=MAX_REDRIVE),
        metadata={"description": f"How many of the oldest letters (default: all, at most {MAX_REDRIVE})"},
    )


class RedriveResultSchema(Schema):
    redriven = fields.Integer(required=True)
    remaining = fields.Integer(required=True, metadata={"description": "Letters left in the topic"})


class DeadLetterSchema(Schema):
    message_id = fields.String(metadata={"description": "The letter's id in the dead-letter topic"})
    original_message_id = fields.String(allow_none=True)
    event_id = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    data_id = fields.String(allow_none=True)
    reason = fields.String(
        allow_none=True, metadata={"example": "ViewUnavailable: the view store did not answer"}
    )
    error_type = fields.String(allow_none=True)
    redelivery_count = fields.Integer(allow_none=True)
    dead_lettered_at = fields.String(allow_none=True, metadata={"description": "RFC 3339"})


class DeadLetterTopicSchema(Schema):
    service = fields.String(allow_none=True)
    topic = fields.String(allow_none=True, metadata={"description": "Where the letters came from"})
    subscription = fields.String(allow_none=True, metadata={"description": "Who gave up on them"})
    dead_letter_topic = fields.String()
    count = fields.Integer()
    sample = fields.List(fields.Nested(DeadLetterSchema))


class DeadLettersSchema(Schema):
    dead_letters = fields.List(fields.Nested(DeadLetterTopicSchema))


def admin_blueprint(dead_letters: DeadLetters) -> Blueprint:
    blp = Blueprint("admin", __name__, url_prefix="/admin", description="Operators: dead letters (admin key)")
    blp.before_request(_admins_only)
    blp.before_app_request(
        refresh_on_scrape(
            lambda: _set_gauge(dead_letters.counts()), METRIC_REFRESH_S, "the dead-letter gauge"
        )
    )

    @blp.route("/dead-letters", methods=["GET"])
    @blp.response(
        200, DeadLettersSchema, description="Every dead-letter topic with its count and oldest letters"
    )
    @blp.doc(parameters=[_SAMPLE_PARAMETER])
    @blp.alt_response(400, description="`sample` out of range (0-100)")
    @blp.alt_response(403, description="Not an admin key")
    @blp.alt_response(503, description="The broker did not answer")
    def list_dead_letters() -> Response:
        with _problems():
            summaries = dead_letters.overview(_sample_size())
        _set_gauge(summaries)
        return json_response({"dead_letters": [_summary(s) for s in summaries]})

    @blp.route("/dead-letters/redrive", methods=["POST"])
    @blp.arguments(RedriveRequestSchema)
    @blp.response(200, RedriveResultSchema, description="Re-published to their original topic and removed")
    @blp.alt_response(403, description="Not an admin key")
    @blp.alt_response(404, description="No such dead-letter topic")
    @blp.alt_response(409, description="A redrive of the same topic is running")
    @blp.alt_response(422, description="The body does not match the schema")
    @blp.alt_response(503, description="The broker did not answer or did not take the messages")
    def redrive(body: dict[str, Any]) -> Response:
        with _problems():
            redriven = dead_letters.redrive(body["dead_letter_topic"], body["limit"])
            remaining = dead_letters.count(body["dead_letter_topic"])
        return json_response({"redriven": redriven, "remaining": remaining})

    return blp


def _admins_only() -> None:
    require_admin()


def _sample_size() -> int:
    return bounded_int(single_args().get("sample", DEFAULT_SAMPLE), "sample", 0, MAX_SAMPLE)


@contextmanager
def _problems() -> Iterator[None]:
    """Turns the use case's errors into problem+json answers."""
    try:
        yield
    except tuple(_STATUS) as error:
        if isinstance(error, DeadLettersUnavailable):
            _log.warning("answering 503: %s (cause: %r)", error, error.__cause__)
        raise Problem(_STATUS[type(error)], str(error)) from error


def _summary(summary: DeadLetterSummary) -> dict[str, Any]:
    return {
        **asdict(summary.location),
        "count": summary.count,
        "sample": [asdict(letter) for letter in summary.sample],
    }


def _set_gauge(summaries: list[DeadLetterSummary]) -> None:
    for summary in summaries:
        where = summary.location
        DEAD_LETTERS.labels(where.service or "", where.subscription or "", where.dead_letter_topic).set(
            summary.count
        )
