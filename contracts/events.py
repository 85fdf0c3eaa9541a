"""The data each integration event carries, as frozen dataclasses and the marshmallow schemas that load them.

The schemas describe the latest schema version of each event; older versions reach them through the
upcasters in ``contracts.upcasting``. Since version 2, DataIngested and DataProcessed carry what holds or
derives from a partner's payload sealed under the record's data key (``contracts.sealed``); the plain
fields remain for events written before (version 1) and for an event opened in memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, TypeAlias

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from contracts.canonical import CONTENT_HASH_PATTERN, KEYED_HASH_PREFIX
from contracts.json_values import JsonObject
from contracts.sealed import Sealed, SealedSchema
from contracts.wire import JsonObjectField, StrictBoolean, TolerantSchema, UtcDateTime

ProcessingStatus: TypeAlias = Literal["processed", "failed"]
StepStatus: TypeAlias = Literal["succeeded", "failed", "skipped"]
PROCESSING_STATUSES: tuple[ProcessingStatus, ...] = ("processed", "failed")
STEP_STATUSES: tuple[StepStatus, ...] = ("succeeded", "failed", "skipped")

_NON_EMPTY = validate.Length(min=1)


@dataclass(frozen=True)
class DataIngested:
    """A partner record that ingestion has durably accepted (topic ``data-ingested``)."""

    EVENT_TYPE: ClassVar[str] = "DataIngested"

    payload: JsonObject | None  # None on the wire since version 2: the payload travels sealed
    received_at: datetime
    content_hash: str
    external_id: str | None = None
    sealed_payload: Sealed | None = None  # the payload under the record's data key


@dataclass(frozen=True)
class RuleViolation:
    """One business rule that a record breaks, at a dotted field path into its payload."""

    rule: str
    field: str
    message: str


@dataclass(frozen=True)
class DataValidated:
    """The outcome of checking one record version against a ruleset (topic ``data-validated``)."""

    EVENT_TYPE: ClassVar[str] = "DataValidated"

    is_valid: bool
    ruleset_version: str
    errors: tuple[RuleViolation, ...] = ()


@dataclass(frozen=True)
class ProcessingStep:
    """One step of the processing pipeline as it ran for a record; ``extra`` holds step-specific details."""

    name: str
    version: str
    status: StepStatus
    extra: JsonObject = field(default_factory=dict)


@dataclass(frozen=True)
class DataProcessed:
    """The result of running one record version through the pipeline (topic ``data-processed``)."""

    EVENT_TYPE: ClassVar[str] = "DataProcessed"

    status: ProcessingStatus
    pipeline_version: str
    result: JsonObject | None = None
    steps: tuple[ProcessingStep, ...] = ()
    # Since version 2, `result` and every step's `extra` (both derive from the payload) sealed together as
    # {"result": ..., "extras": [...]}; then `result` is None and each `extra` empty on the wire.
    sealed_details: Sealed | None = None


@dataclass(frozen=True)
class DataErased:
    """A record's data key was destroyed on request: every sealed copy of its payload is unreadable from now
    on (topic ``data-ingested``, the record's own lifecycle, so it follows the record's versions in order).
    It says who erased the record, when and why; never what it held."""

    EVENT_TYPE: ClassVar[str] = "DataErased"

    erased_at: datetime
    erased_by: str
    reason: str | None = None


EventData: TypeAlias = DataIngested | DataValidated | DataProcessed | DataErased
MAX_REASON_LENGTH = 500


class DataIngestedSchema(TolerantSchema):
    """DataIngested data, schema version 2: exactly one of ``payload`` and ``sealed_payload``."""

    payload = JsonObjectField(load_default=None, allow_none=True)
    received_at = UtcDateTime(required=True)
    external_id = fields.String(load_default=None, allow_none=True)
    content_hash = fields.String(
        required=True,
        validate=validate.Regexp(
            rf"{CONTENT_HASH_PATTERN.pattern}\Z",
            error="Must be 'sha256:' or 'hmac-sha256:' and 64 lowercase hex digits.",
        ),
    )
    sealed_payload = fields.Nested(SealedSchema, load_default=None, allow_none=True)

    # Judged on the members as sent, so it is reported with any other failing field, not after they are fixed.
    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _one_payload(self, data: dict[str, Any], original: object, **kwargs: Any) -> None:
        sent = original if isinstance(original, Mapping) else {}
        if (sent.get("payload") is None) == (sent.get("sealed_payload") is None):
            raise ValidationError("Exactly one of payload and sealed_payload must be given.", "payload")

    @validates_schema
    def _sealed_hash_is_keyed(self, data: dict[str, Any], **kwargs: Any) -> None:
        # A plain SHA-256 beside a sealed payload would confirm a guess of it after the key is destroyed.
        if data["sealed_payload"] is not None and not data["content_hash"].startswith(KEYED_HASH_PREFIX):
            message = f"Must be '{KEYED_HASH_PREFIX}' when the payload is sealed."
            raise ValidationError(message, "content_hash")

    @post_load
    def _to_dataclass(self, data: dict[str, Any], **kwargs: Any) -> DataIngested:
        return DataIngested(**data)


class RuleViolationSchema(TolerantSchema):
    """One entry of DataValidated's ``errors``."""

    rule = fields.String(required=True, validate=_NON_EMPTY)
    field = fields.String(required=True)
    message = fields.String(required=True, validate=_NON_EMPTY)

    @post_load
    def _to_dataclass(self, data: dict[str, Any], **kwargs: Any) -> RuleViolation:
        return RuleViolation(**data)


class DataValidatedSchema(TolerantSchema):
    """DataValidated data, schema version 1."""

    is_valid = StrictBoolean(required=True)
    errors = fields.List(fields.Nested(RuleViolationSchema), required=True)
    ruleset_version = fields.String(required=True, validate=_NON_EMPTY)

    @validates_schema
    def _verdict_matches_errors(self, data: dict[str, Any], **kwargs: Any) -> None:
        # A consumer reads either field alone, so the two must never tell different stories.
        if data["is_valid"] == bool(data["errors"]):
            raise ValidationError("Must be true exactly when errors is empty.", "is_valid")

    @post_load
    def _to_dataclass(self, data: dict[str, Any], **kwargs: Any) -> DataValidated:
        return DataValidated(**{**data, "errors": tuple(data["errors"])})


class ProcessingStepSchema(TolerantSchema):
    """One entry of DataProcessed's ``steps``."""

    name = fields.String(required=True, validate=_NON_EMPTY)
    version = fields.String(required=True, validate=_NON_EMPTY)
    status = fields.String(required=True, validate=validate.OneOf(STEP_STATUSES))
    extra = JsonObjectField(load_default=dict)

    @post_load
    def _to_dataclass(self, data: dict[str, Any], **kwargs: Any) -> ProcessingStep:
        return ProcessingStep(**data)


class DataProcessedSchema(TolerantSchema):
    """DataProcessed data, schema version 2."""

    status = fields.String(required=True, validate=validate.OneOf(PROCESSING_STATUSES))
    result = JsonObjectField(load_default=None, allow_none=True)
    steps = fields.List(fields.Nested(ProcessingStepSchema), required=True)
    pipeline_version = fields.String(required=True, validate=_NON_EMPTY)
    sealed_details = fields.Nested(SealedSchema, load_default=None, allow_none=True)

    @validates_schema
    def _details_only_sealed(self, data: dict[str, Any], **kwargs: Any) -> None:
        # A plain copy beside the sealed details would outlive the record's erasure.
        if data["sealed_details"] is None:
            return
        if data["result"] is not None:
            raise ValidationError("Must be null when sealed_details is given.", "result")
        if any(step.extra for step in data["steps"]):
            raise ValidationError("Every step's extra must be empty when sealed_details is given.", "steps")

    @post_load
    def _to_dataclass(self, data: dict[str, Any], **kwargs: Any) -> DataProcessed:
        return DataProcessed(**{**data, "steps": tuple(data["steps"])})


class DataErasedSchema(TolerantSchema):
    """DataErased data, schema version 1."""

    erased_at = UtcDateTime(required=True)
    erased_by = fields.String(required=True, validate=_NON_EMPTY)
    reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=MAX_REASON_LENGTH)
    )

    @post_load
    def _to_dataclass(self, data: dict[str, Any], **kwargs: Any) -> DataErased:
        return DataErased(**data)
