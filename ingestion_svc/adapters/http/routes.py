"""ingestion's HTTP routes: thin translations between HTTP and the use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, request
from marshmallow import ValidationError

from eventkit.http.blueprint import Blueprint, strict_json_body
from eventkit.problems import Problem
from ingestion_svc.adapters.http import headers
from ingestion_svc.adapters.http.schemas import (
    AmendRequestSchema,
    AsOfSchema,
    BatchResultSchema,
    IngestRequestSchema,
    ReceiptSchema,
    RecordSchema,
    StoredEventSchema,
)
from ingestion_svc.application.commands import AmendRecord, IngestRecord, Receipt, RequestContext
from ingestion_svc.application.service import IngestionService

ANONYMOUS = "anonymous"  # until partner authentication names the caller


def _context(body: object | None = None) -> RequestContext:
    return RequestContext(
        g.correlation_id, ANONYMOUS, headers.idempotency(body) if body is not None else None
    )


def ingestion_blueprint(service: IngestionService, query_base_url: str, batch_max_items: int) -> Blueprint:
    blp = Blueprint("ingest", __name__, url_prefix="/ingest", description="Submit, amend and audit records")

    def with_location(
        receipt: Receipt, status: int, replayed: bool = False
    ) -> tuple[Any, int, dict[str, str]]:
        extra = {"Location": f"{query_base_url}/query/{receipt.id}", "ETag": headers.etag(receipt.version)}
        if replayed:
            extra["Idempotent-Replayed"] = "true"
        return receipt, status, extra

    @blp.route("", methods=["POST"])
    @blp.arguments(IngestRequestSchema)
    @blp.response(201, ReceiptSchema, description="Stored; DataIngested will follow through the outbox")
    def ingest(body: dict[str, Any]) -> tuple[Any, int, dict[str, str]]:
        outcome = service.ingest(IngestRecord(**body), _context(body))
        return with_location(outcome.receipt, 201, outcome.replayed)

    @blp.route("/batch", methods=["POST"])
    @blp.response(200, BatchResultSchema, description="One result per item; valid items stored together")
    def ingest_batch() -> tuple[dict[str, Any], int]:
        items = _batch_items(strict_json_body(), batch_max_items)
        valid, results = _validate_items(items)
        outcome = service.ingest_batch([command for _, command in valid], _context(items))
        for (index, _), receipt in zip(valid, outcome.receipts, strict=True):
            results[index] = {
                "index": index,
                "status": 201,
                "id": receipt.id,
                "version": receipt.version,
                "timestamp": receipt.received_at,
            }
        accepted = len(valid)
        return {"accepted": accepted, "rejected": len(items) - accepted, "items": results}, 200

    @blp.route("/<uuid:record_id>", methods=["PUT"])
    @blp.arguments(AmendRequestSchema)
    @blp.response(200, ReceiptSchema, description="The new (or, for an unchanged payload, current) version")
    def amend(body: dict[str, Any], record_id: Any) -> tuple[Any, int, dict[str, str]]:
        command = AmendRecord(str(record_id), body["payload"], headers.expected_version())
        return with_location(service.amend(command, _context()), 200)

    @blp.route("/<uuid:record_id>", methods=["GET"])
    @blp.arguments(AsOfSchema, location="query")
    @blp.response(200, RecordSchema, description="The record rebuilt from its events")
    def get_record(args: dict[str, datetime | None], record_id: Any) -> tuple[Any, int, dict[str, str]]:
        record = service.get(str(record_id), as_of=args["as_of"])
        return record, 200, {"ETag": headers.etag(record.version)}

    @blp.route("/<uuid:record_id>/events", methods=["GET"])
    @blp.response(200, StoredEventSchema(many=True), description="The record's audit trail, oldest first")
    def record_events(record_id: Any) -> Any:
        return service.history(str(record_id))

    return blp


def _batch_items(body: Any, limit: int) -> list[Any]:
    if not isinstance(body, list):
        raise Problem(422, "The body must be a JSON array of records.")
    if not body:
        raise Problem(422, "The batch is empty.")
    if len(body) > limit:
        raise Problem(413, f"A batch holds at most {limit} records; this one has {len(body)}.")
    return body


def _validate_items(items: list[Any]) -> tuple[list[tuple[int, IngestRecord]], list[dict[str, Any]]]:
    schema = IngestRequestSchema()
    valid: list[tuple[int, IngestRecord]] = []
    results: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            valid.append((index, IngestRecord(**schema.load(item))))
            results.append({})
        except ValidationError as exc:
            problem = Problem(
                422, "The item does not match the expected schema.", extensions={"errors": exc.messages}
            )
            results.append(
                {"index": index, "status": 422, "problem": problem.to_dict(f"{request.path}#{index}")}
            )
    return valid, results
