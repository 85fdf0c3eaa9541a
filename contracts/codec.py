"""Turns integration events into compact UTF-8 JSON and back, validating both ways against the registry."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError

from contracts.compiled import read as read_compiled
from contracts.compiled import write as write_compiled
from contracts.envelope import EnvelopeSchema, IntegrationEvent
from contracts.errors import ROOT, InvalidEvent, flatten_messages
from contracts.json_values import JsonObject
from contracts.registry import EventSpec, spec_for

_ENVELOPE = EnvelopeSchema()
_ENVELOPE_WITHOUT_DATA = EnvelopeSchema(exclude=("data",))
_DATA = "data"


def encode(event: IntegrationEvent) -> bytes:
    """Serializes an event to compact UTF-8 JSON, refusing one that consumers could not decode."""
    return json.dumps(to_dict(event), separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def to_dict(event: IntegrationEvent) -> JsonObject:
    """Returns the wire form of an event as plain JSON values, refusing one consumers could not decode."""
    # Reading the dump back is the one check that also covers hand-built events (naive datetimes, bad ids),
    # and dumping what was read gives one normalized wire form. An event read from a validated wire form
    # already is that form's reading: its dump is normalized, and reading it back would only cost time
    # (two of the three schema passes on every hop of the pipeline).
    if event.read_from_wire:
        wire = write_compiled(event)  # the common case, fast; the schemas dump any other event type
        return wire if wire is not None else _dump(event)
    return _dump(_read(_dump(event)))


def decode(raw: bytes | bytearray | str | Mapping[str, Any]) -> IntegrationEvent:
    """Reads an event from JSON bytes, text or an already parsed object, upcasting older schema versions."""
    event = read_compiled(raw)  # the common case, fast; None leaves the event to the schemas
    return event if event is not None else read_with_schemas(raw)


def read_with_schemas(raw: bytes | bytearray | str | Mapping[str, Any]) -> IntegrationEvent:
    """Reads an event with the marshmallow schemas alone, as decode does any event it cannot read fast."""
    return _read(_parse(raw))


def _dump(event: IntegrationEvent) -> JsonObject:
    """Dumps an event with the schemas of its event type, without validating it."""
    spec = spec_for(event.event_type)
    if not isinstance(event.data, spec.data_class):
        found = type(event.data).__name__
        raise InvalidEvent.at(_DATA, f"{event.event_type} needs {spec.data_class.__name__} data, got {found}")
    wire: JsonObject = _ENVELOPE_WITHOUT_DATA.dump(event)
    wire[_DATA] = spec.codec.dump(event.data)
    return wire


def _parse(raw: object) -> JsonObject:
    """Parses the raw message into a JSON object."""
    if isinstance(raw, Mapping):
        parsed: object = dict(raw)
    elif isinstance(raw, (bytes, bytearray, str)):
        parsed = _json(_text(raw))
    else:
        raise InvalidEvent.at(ROOT, "Must be JSON bytes, JSON text or a mapping.")
    if not isinstance(parsed, dict):
        raise InvalidEvent.at(ROOT, "Must be a JSON object.")
    return parsed


def _text(raw: bytes | bytearray | str) -> str:
    """Decodes raw bytes as strict UTF-8."""
    try:
        return raw if isinstance(raw, str) else raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidEvent.at(ROOT, f"Not valid UTF-8: {error}.") from error


def _json(text: str) -> object:
    """Parses strict JSON text."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise InvalidEvent.at(ROOT, f"Not valid JSON: {error}.") from error


def _refuse_constant(name: str) -> float:
    """Refuses the NaN and Infinity literals that Python's json accepts but JSON does not."""
    raise ValueError(f"{name} is not a JSON value")


def _read(wire: JsonObject) -> IntegrationEvent:
    """Validates a parsed envelope and its data, upcasting older data first."""
    spec = spec_for(_event_type(wire))
    version = _schema_version(wire, spec)
    if version == spec.latest_version:
        return _validated(wire, spec)
    data = wire.get(_DATA)
    lifted = {**wire, "schema_version": spec.latest_version}
    if isinstance(data, dict):
        lifted[_DATA] = spec.upcast(data, version)
    try:
        return _validated(lifted, spec)
    except InvalidEvent as error:
        raise InvalidEvent(error.errors, f"after upcasting from schema_version {version}") from error


def _event_type(wire: JsonObject) -> str:
    """Returns the envelope's event type or raises InvalidEvent when it is missing or not text."""
    value = wire.get("event_type")
    if not isinstance(value, str):
        raise InvalidEvent.at("event_type", _missing_or("Not a valid string.", "event_type", wire))
    return value


def _schema_version(wire: JsonObject, spec: EventSpec) -> int:
    """Returns the envelope's schema version or raises InvalidEvent when this build cannot read it."""
    value = wire.get("schema_version")
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidEvent.at("schema_version", _missing_or("Not a valid integer.", "schema_version", wire))
    # A newer version comes from a newer producer: failing here sends it to the dead letters for replay
    # after this consumer is upgraded, instead of silently dropping fields it does not know.
    if value > spec.latest_version:
        bound = f"latest known is {spec.latest_version}"
    elif value < spec.oldest_version:
        bound = f"oldest known is {spec.oldest_version}"
    else:
        return value
    raise InvalidEvent.at(
        "schema_version", f"unsupported schema_version {value} for {spec.event_type}; {bound}"
    )


def _missing_or(message: str, key: str, wire: JsonObject) -> str:
    """Chooses marshmallow's wording for a missing key, or the given one for a present but wrong value."""
    return "Missing data for required field." if key not in wire else message


def _validated(wire: JsonObject, spec: EventSpec) -> IntegrationEvent:
    """Loads the envelope and its data at the latest version, reporting every failing field at once."""
    errors: dict[str, list[str]] = {}
    envelope = _load(_ENVELOPE, wire, "", errors)
    data = wire.get(_DATA)
    loaded = _load(spec.codec, data, _DATA, errors) if isinstance(data, dict) else None
    if errors:
        raise InvalidEvent(errors)
    event = IntegrationEvent(**{**envelope, _DATA: loaded})
    object.__setattr__(event, "read_from_wire", True)  # frozen: set once, here, where it is true
    return event


def _load(schema: Schema, raw: JsonObject, prefix: str, errors: dict[str, list[str]]) -> Any:
    """Loads raw data with a schema, adding any failures to errors under the given path prefix."""
    try:
        return schema.load(raw)
    except ValidationError as error:
        errors.update(flatten_messages(error.messages, prefix))
        return None
