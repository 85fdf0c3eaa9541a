"""ingestion's HTTP routes: thin translations between HTTP and the use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, request
from marshmallow import ValidationError

from eventkit.auth.principal import current_principal
from eventkit.http.blueprint import Blueprint, strict_json_body
from eventkit.problems import Problem
from ingestion_svc.adapters.http import headers
from ingestion_svc.adapters.http.schemas import (
    AmendRequestSchema,
    AsOfSchema,
    BatchResultSchema,
    EraseRequestSchema,
    ErasureSchema,
    IngestRequestSchema,
    ReceiptSchema,
    RecordSchema,
    StoredEventSchema,
)
from ingestion_svc.application.commands import (
    AmendRecord,
    EraseRecord,
    ErasureReceipt,
    IngestRecord,
    Receipt,
    RequestContext,
)
from ingestion_svc.application.handler import IngestRecords
from ingestion_svc.application.queries import IngestionQueries

# One instance for every batch item: building a marshmallow schema costs more than loading a small item.
_ITEM_SCHEMA = IngestRequestSchema()


def _context(body: object | None = None) -> RequestContext:
    principal = current_principal()
    # Idempotency-Keys belong to the partner (any of its keys), or to one admin key.
    caller = f"partner:{principal.partner_id}" if principal.partner_id else f"admin:{principal.key_id}"
    return RequestContext(g.correlation_id, caller, headers.idempotency(body) if body is not None else None)


def _forbidden_partner(partner_id: str) -> Problem:
    return Problem(403, f"This key may not write records of partner {partner_id!r}; use that partner's key.")


def ingestion_blueprint(
    handler: IngestRecords, queries: IngestionQueries, query_base_url: str, batch_max_items: int
) -> Blueprint:
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
        if not current_principal().may_access(body["partner_id"]):
            raise _forbidden_partner(body["partner_id"])
        outcome = handler.ingest(IngestRecord(**body), _context(body))
        return with_location(outcome.receipt, 201, outcome.replayed)

    @blp.route("/batch", methods=["POST"])
    @blp.response(200, BatchResultSchema, description="One result per item; valid items stored together")
    def ingest_batch() -> tuple[dict[str, Any], int]:
        items = _batch_items(strict_json_body(), batch_max_items)
        valid, results = _validate_items(items)
        outcome = handler.ingest_batch([command for _, command in valid], _context(items))
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
        scope = current_principal().partner_scope
        command = AmendRecord(str(record_id), body["payload"], headers.expected_version(), scope)
        return with_location(handler.amend(command, _context()), 200)

    @blp.route("/<uuid:record_id>", methods=["DELETE"])
    @blp.arguments(EraseRequestSchema, required=False)
    @blp.response(200, ErasureSchema, description="Erased: its data key is destroyed, DataErased will follow")
    def erase(body: dict[str, Any], record_id: Any) -> ErasureReceipt:
        principal = current_principal()
        command = EraseRecord(str(record_id), principal.name, body.get("reason"), principal.partner_scope)
        return handler.erase(command, _context())

    @blp.route("/<uuid:record_id>", methods=["GET"])
    @blp.arguments(AsOfSchema, location="query")
    @blp.response(200, RecordSchema, description="The record rebuilt from its events")
    def get_record(args: dict[str, datetime | None], record_id: Any) -> tuple[Any, int, dict[str, str]]:
        record = queries.get(str(record_id), current_principal().partner_scope, args["as_of"])
        return record, 200, {"ETag": headers.etag(record.version)}

    @blp.route("/<uuid:record_id>/events", methods=["GET"])
    @blp.response(200, StoredEventSchema(many=True), description="The record's audit trail, oldest first")
    def record_events(record_id: Any) -> Any:
        return queries.history(str(record_id), current_principal().partner_scope)

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
    valid: list[tuple[int, IngestRecord]] = []
    results: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            valid.append((index, _batch_item(item)))
            results.append({})
        except Problem as problem:
            body = problem.to_dict(f"{request.path}#{index}")
            results.append({"index": index, "status": problem.status, "problem": body})
    return valid, results


def _batch_item(item: Any) -> IngestRecord:
    """Validates one batch item as POST /ingest would; a Problem says why it is refused."""
    try:
        record = IngestRecord(**_ITEM_SCHEMA.load(item))
    except ValidationError as exc:
        raise Problem(
            422, "The item does not match the expected schema.", extensions={"errors": exc.messages}
        ) from None
    if not current_principal().may_access(record.partner_id):
        raise _forbidden_partner(record.partner_id)
    return record
