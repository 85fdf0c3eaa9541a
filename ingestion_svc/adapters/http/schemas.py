"""Request and response bodies of ingestion's HTTP API (they also generate its OpenAPI document)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from contracts import PARTNER_ID_PATTERN
from contracts.events import MAX_REASON_LENGTH
from eventkit.problems import Problem
from eventkit.sealing.keys import MAX_IDS_PER_CALL

# Fields the server decides; a client sending one is confused about the API, so it is told plainly.
SERVER_OWNED = {
    "id",
    "data_id",
    "version",
    "record_version",
    "status",
    "timestamp",
    "received_at",
    "updated_at",
    "created_at",
    "event_id",
}


class _RequestSchema(Schema):
    class Meta:
        unknown = RAISE  # a misspelt field is an error, not silently dropped

    @pre_load
    def refuse_server_owned_fields(self, data: Any, **_: Any) -> Any:
        owned = sorted(SERVER_OWNED & set(data)) if isinstance(data, dict) else []
        if owned:
            raise Problem(
                400,
                f"{', '.join(owned)} {'is' if len(owned) == 1 else 'are'} set by the server, "
                "not by the request.",
                extensions={"fields": owned},
            )
        return data


class IngestRequestSchema(_RequestSchema):
    partner_id = fields.String(
        required=True,
        validate=validate.Regexp(
            rf"{PARTNER_ID_PATTERN}\Z", error="Must be 1-64 characters of A-Z a-z 0-9 . _ -"
        ),
        metadata={"example": "partner123"},
    )
    payload = fields.Dict(
        keys=fields.String(), required=True, metadata={"example": {"name": "Example Data", "age": 30}}
    )
    external_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=128),
        metadata={"description": "The partner's own id for the record (optional)"},
    )


class AmendRequestSchema(_RequestSchema):
    payload = fields.Dict(keys=fields.String(), required=True)


class ReceiptSchema(Schema):
    id = fields.String(required=True, metadata={"description": "The record's id (data_id)"})
    partner_id = fields.String(required=True)
    timestamp = fields.DateTime(
        required=True, attribute="received_at", metadata={"description": "First received"}
    )
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, metadata={"description": "record_version: 1, +1 per amendment"})


def _in_utc_range(moment: datetime) -> None:
    """Refuses a moment the event store cannot compare: it does so in UTC, within the years 1 to 9999."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError("The time is outside the years 1 to 9999 in UTC.") from None


class AsOfSchema(Schema):
    class Meta:
        unknown = RAISE

    as_of = fields.AwareDateTime(
        load_default=None,
        default_timezone=None,
        validate=_in_utc_range,
        metadata={"description": "RFC 3339 time with offset"},
    )


class RecordSchema(ReceiptSchema):
    payload = fields.Dict(required=True, allow_none=True, metadata={"description": "null once erased"})
    external_id = fields.String(allow_none=True)
    erased_at = fields.DateTime(
        required=True, allow_none=True, metadata={"description": "When the record was erased; null otherwise"}
    )
    status = fields.Function(
        lambda record: "erased" if record.erased_at is not None else "stored",
        dump_only=True,
        metadata={
            "description": "stored, or erased (then no payload, as of any moment)",
            "enum": ["stored", "erased"],
        },
    )


class EraseRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_REASON_LENGTH),
        metadata={"description": "Why the record is erased; kept in its audit trail"},
    )


class ErasureSchema(Schema):
    id = fields.String(required=True)
    partner_id = fields.String(required=True)
    erased_at = fields.DateTime(required=True)
    erased_by = fields.String(required=True, metadata={"description": "The key that erased it"})


class UnwrapRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    data_ids = fields.List(
        fields.UUID(), required=True, validate=validate.Length(min=1, max=MAX_IDS_PER_CALL)
    )


class UnwrapResultSchema(Schema):
    keys = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "Live data keys by record id, base64 of 32 bytes"},
    )
    erased = fields.List(
        fields.String(), required=True, metadata={"description": "Records whose key is gone"}
    )
    # `unknown` names a Schema attribute (Meta.unknown), so the field's attribute is spelled otherwise.
    unknown_ids = fields.List(
        fields.String(), required=True, data_key="unknown", metadata={"description": "Records without a key"}
    )


class StoredEventSchema(Schema):
    event_id = fields.String(required=True)
    type = fields.String(required=True, attribute="event_type")
    version = fields.Integer(required=True)
    # No `position`: the event store's global sequence would tell a partner how much others wrote.
    occurred_at = fields.DateTime(required=True)
    data = fields.Dict(required=True)
    metadata = fields.Dict(required=True)


class BatchItemResultSchema(Schema):
    index = fields.Integer(required=True)
    status = fields.Integer(required=True)
    id = fields.String()
    version = fields.Integer()
    timestamp = fields.DateTime()
    problem = fields.Dict(metadata={"description": "RFC 9457 problem for a refused item"})


class BatchResultSchema(Schema):
    accepted = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    items = fields.List(fields.Nested(BatchItemResultSchema), required=True)
