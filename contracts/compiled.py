"""A compiled codec for the common case: valid events in the canonical wire form that our codec writes.

Every hop of the pipeline reads every event, and the marshmallow schemas cost 85-150 µs per read; msgspec
reads the same envelope in a few µs. The schemas stay the contract: this codec reads only a stricter
subset of what they accept (lowercase UUIDs, timestamps exactly as ``format_rfc3339`` writes them, the
latest schema version) and returns None for anything else, which the codec then reads with the schemas
to upcast it or to name every failing field. So a difference between the two can only cost speed, never
let an event through that the schemas refuse (``tests/unit/contracts/test_contracts_compiled.py``). It
also writes the wire form of an event read from a valid one, member for member as the schemas dump it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import msgspec

from contracts.canonical import CONTENT_HASH_PATTERN, KEYED_HASH_PREFIX
from contracts.envelope import PARTNER_ID_PATTERN, IntegrationEvent
from contracts.events import (
    MAX_REASON_LENGTH,
    DataErased,
    DataIngested,
    DataProcessed,
    DataValidated,
    EventData,
    ProcessingStatus,
    ProcessingStep,
    RuleViolation,
    StepStatus,
)
from contracts.json_values import MAX_JSON_DEPTH, JsonObject, json_problem
from contracts.registry import REGISTRY
from contracts.sealed import BASE64_PATTERN, NONCE_PATTERN, Sealed
from contracts.wire import format_rfc3339

# The members of every struct below are the members of the schema of the same name, checked member by member
# by tests/unit/contracts/test_contracts_shapes.py; Uuid and Moment are the stricter forms of the schemas'
# UuidString and UtcDateTime (as our encoder writes them). ASCII digits only: Python's \d also matches other
# scripts' digits.
Uuid = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}\Z")]
Moment = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}(-[0-9]{2}){2}T[0-9]{2}(:[0-9]{2}){2}\.[0-9]{6}Z\Z")]
_Text = Annotated[str, msgspec.Meta(min_length=1)]
_PartnerId = Annotated[str, msgspec.Meta(pattern=rf"^{PARTNER_ID_PATTERN}\Z")]
_ContentHash = Annotated[str, msgspec.Meta(pattern=rf"^{CONTENT_HASH_PATTERN.pattern}\Z")]
_Object = dict[str, Any]
_Nonce = Annotated[str, msgspec.Meta(pattern=rf"^{NONCE_PATTERN}\Z")]
_Base64 = Annotated[str, msgspec.Meta(pattern=rf"^{BASE64_PATTERN}\Z", min_length=24)]
Plain = Callable[[JsonObject], JsonObject]  # checks a free-form object, raising when it is not plain JSON

D = TypeVar("D")


class Envelope(msgspec.Struct, Generic[D]):
    event_id: Uuid
    event_type: _Text
    schema_version: Annotated[int, msgspec.Meta(ge=1)]
    occurred_at: Moment
    producer: _Text
    data_id: Uuid
    partner_id: _PartnerId
    record_version: Annotated[int, msgspec.Meta(ge=1)]
    correlation_id: _Text
    data: D
    causation_id: _Text | None = None


class _Sealed(msgspec.Struct):
    nonce: _Nonce
    ciphertext: _Base64


class _DataIngested(msgspec.Struct):
    received_at: Moment
    content_hash: _ContentHash
    payload: _Object | None = None
    external_id: str | None = None
    sealed_payload: _Sealed | None = None


class _RuleViolation(msgspec.Struct):
    rule: _Text
    field: str
    message: _Text


class _DataValidated(msgspec.Struct):
    is_valid: bool
    errors: list[_RuleViolation]
    ruleset_version: _Text


class _ProcessingStep(msgspec.Struct):
    name: _Text
    version: _Text
    status: StepStatus
    extra: _Object = msgspec.field(default_factory=dict)


class _DataProcessed(msgspec.Struct):
    status: ProcessingStatus
    steps: list[_ProcessingStep]
    pipeline_version: _Text
    result: _Object | None = None
    sealed_details: _Sealed | None = None


class _DataErased(msgspec.Struct):
    erased_at: Moment
    erased_by: _Text
    reason: Annotated[str, msgspec.Meta(max_length=MAX_REASON_LENGTH)] | None = None


class _Refused(Exception):
    """The compiled reader leaves this event to the schemas."""


@dataclass(frozen=True)
class _Format:
    """How one event type's data is read and written at one schema version."""

    schema_version: int
    struct: type[msgspec.Struct]
    to_data: Callable[[Any, Plain], EventData]
    to_wire: Callable[[Any], JsonObject]


def _ingested(data: _DataIngested, plain: Plain) -> DataIngested:
    if (data.payload is None) == (data.sealed_payload is None):
        raise _Refused  # the schema names what is wrong
    if data.sealed_payload is not None and not data.content_hash.startswith(KEYED_HASH_PREFIX):
        raise _Refused
    payload = None if data.payload is None else plain(data.payload)
    sealed = _sealed(data.sealed_payload)
    return DataIngested(payload, _moment(data.received_at), data.content_hash, data.external_id, sealed)


def _sealed(data: _Sealed | None) -> Sealed | None:
    return None if data is None else Sealed(data.nonce, data.ciphertext)


def _sealed_wire(sealed: Sealed | None) -> JsonObject | None:
    return None if sealed is None else {"nonce": sealed.nonce, "ciphertext": sealed.ciphertext}


def _validated(data: _DataValidated, plain: Plain) -> DataValidated:
    if data.is_valid == bool(data.errors):
        raise _Refused  # the schema names the contradiction
    errors = tuple(RuleViolation(error.rule, error.field, error.message) for error in data.errors)
    return DataValidated(data.is_valid, data.ruleset_version, errors)


def _processed(data: _DataProcessed, plain: Plain) -> DataProcessed:
    if data.sealed_details is not None and (data.result is not None or any(s.extra for s in data.steps)):
        raise _Refused  # the schema names the plain copy beside the sealed details
    steps = tuple(ProcessingStep(s.name, s.version, s.status, plain(s.extra)) for s in data.steps)
    result = None if data.result is None else plain(data.result)
    return DataProcessed(data.status, data.pipeline_version, result, steps, _sealed(data.sealed_details))


def _erased(data: _DataErased, plain: Plain) -> DataErased:
    return DataErased(_moment(data.erased_at), data.erased_by, data.reason)


# The writers list each object's members in the order of its schema's fields, as the schemas dump them.
def _ingested_wire(data: DataIngested) -> JsonObject:
    return {
        "payload": data.payload,
        "received_at": format_rfc3339(data.received_at),
        "external_id": data.external_id,
        "content_hash": data.content_hash,
        "sealed_payload": _sealed_wire(data.sealed_payload),
    }


def _validated_wire(data: DataValidated) -> JsonObject:
    return {
        "is_valid": data.is_valid,
        "errors": [{"rule": e.rule, "field": e.field, "message": e.message} for e in data.errors],
        "ruleset_version": data.ruleset_version,
    }


def _processed_wire(data: DataProcessed) -> JsonObject:
    return {
        "status": data.status,
        "result": data.result,
        "steps": [_step_wire(step) for step in data.steps],
        "pipeline_version": data.pipeline_version,
        "sealed_details": _sealed_wire(data.sealed_details),
    }


def _erased_wire(data: DataErased) -> JsonObject:
    return {"erased_at": format_rfc3339(data.erased_at), "erased_by": data.erased_by, "reason": data.reason}


def _step_wire(step: ProcessingStep) -> JsonObject:
    return {"name": step.name, "version": step.version, "status": step.status, "extra": step.extra}


# The schema version each format describes: when a type's latest version moves on, its format stops being
# used until it describes the new one (a test fails until then).
FORMATS: Mapping[str, _Format] = {
    DataIngested.EVENT_TYPE: _Format(2, _DataIngested, _ingested, _ingested_wire),
    DataValidated.EVENT_TYPE: _Format(1, _DataValidated, _validated, _validated_wire),
    DataProcessed.EVENT_TYPE: _Format(2, _DataProcessed, _processed, _processed_wire),
    DataErased.EVENT_TYPE: _Format(1, _DataErased, _erased, _erased_wire),
}

_FROM_JSON = msgspec.json.Decoder(Envelope[msgspec.Raw])
_JSON_DATA = {event_type: msgspec.json.Decoder(form.struct) for event_type, form in FORMATS.items()}
_ERRORS = (msgspec.ValidationError, msgspec.DecodeError, _Refused, ValueError, TypeError)


def read(raw: bytes | bytearray | str | Mapping[str, Any]) -> IntegrationEvent | None:
    """Reads a valid event in the canonical wire form, or returns None to leave it to the schemas."""
    try:
        return _from_mapping(raw) if isinstance(raw, Mapping) else _from_json(raw)
    except _ERRORS:
        return None


def _from_json(raw: bytes | bytearray | str) -> IntegrationEvent:
    envelope = _FROM_JSON.decode(raw)
    form = _format_for(envelope)
    # Parsed JSON is plain by construction; only its depth is left to check, and it cannot exceed the
    # bound when the whole text opens fewer arrays and objects than that.
    plain = _plain if _openings(raw) > MAX_JSON_DEPTH else _as_is
    return _event(envelope, form.to_data(_JSON_DATA[envelope.event_type].decode(envelope.data), plain))


def _from_mapping(raw: Mapping[str, Any]) -> IntegrationEvent:
    envelope = msgspec.convert(dict(raw), Envelope[_Object])
    form = _format_for(envelope)
    return _event(envelope, form.to_data(msgspec.convert(envelope.data, form.struct), _plain))


def _format_for(envelope: Envelope[Any]) -> _Format:
    """Returns the format of the envelope's event type when it describes the version the envelope has."""
    form = FORMATS.get(envelope.event_type)
    spec = REGISTRY.get(envelope.event_type)
    version = envelope.schema_version
    if form is None or spec is None or not version == form.schema_version == spec.latest_version:
        raise _Refused
    return form


def write(event: IntegrationEvent) -> JsonObject | None:
    """Writes the wire form of an event read from a valid one as the schemas dump it, or returns None."""
    form = FORMATS.get(event.event_type)
    if not event.read_from_wire or form is None or form.schema_version != event.schema_version:
        return None  # only an event read from a valid wire form is known to be valid
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "schema_version": event.schema_version,
        "occurred_at": format_rfc3339(event.occurred_at),
        "producer": event.producer,
        "data_id": event.data_id,
        "partner_id": event.partner_id,
        "record_version": event.record_version,
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "data": form.to_wire(event.data),
    }


def _event(envelope: Envelope[Any], data: EventData) -> IntegrationEvent:
    event = IntegrationEvent(
        event_id=envelope.event_id,
        event_type=envelope.event_type,
        schema_version=envelope.schema_version,
        occurred_at=_moment(envelope.occurred_at),
        producer=envelope.producer,
        data_id=envelope.data_id,
        partner_id=envelope.partner_id,
        record_version=envelope.record_version,
        correlation_id=envelope.correlation_id,
        causation_id=envelope.causation_id,
        data=data,
    )
    object.__setattr__(event, "read_from_wire", True)  # as contracts.codec does: read from a valid wire form
    return event


def _moment(text: str) -> datetime:
    """Reads a timestamp the pattern has already matched; an impossible date raises ValueError."""
    return datetime.fromisoformat(text)


def _plain(value: JsonObject) -> JsonObject:
    """Returns a free-form object that is plain JSON within the contract's depth, or refuses it."""
    if json_problem(value) is not None:  # the check the schemas run, on the same values
        raise _Refused
    return value


def _as_is(value: JsonObject) -> JsonObject:
    return value


def _openings(raw: bytes | bytearray | str) -> int:
    """Counts the characters that may open a JSON array or object (some may sit inside strings)."""
    if isinstance(raw, str):
        return raw.count("[") + raw.count("{")
    return raw.count(b"[") + raw.count(b"{")
