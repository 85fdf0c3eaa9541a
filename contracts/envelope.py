"""The envelope that wraps every integration event: identity, ordering, tracing and the event's data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from marshmallow import fields, validate

from contracts.events import EventData
from contracts.wire import TolerantSchema, UtcDateTime, UuidString, strict_integer

PARTNER_ID_PATTERN = r"[A-Za-z0-9._-]{1,64}"

_NON_EMPTY = validate.Length(min=1)


@dataclass(frozen=True)
class IntegrationEvent:
    """One published fact about one version of one partner record."""

    event_id: str
    event_type: str
    schema_version: int
    occurred_at: datetime
    producer: str
    data_id: str
    partner_id: str
    record_version: int
    correlation_id: str
    causation_id: str | None
    data: EventData
    # True only for an event the codec built from a wire form it had just validated (contracts.decode,
    # contracts.new_event): encoding it cannot fail, so it need not be read back first. Not part of the
    # event's value (no init, compare or repr), and dataclasses.replace gives a changed copy False.
    read_from_wire: bool = field(default=False, init=False, compare=False, repr=False)


class EnvelopeSchema(TolerantSchema):
    """Validates the envelope fields and leaves ``data`` as a raw object for the event type's own schema."""

    event_id = UuidString(required=True)
    event_type = fields.String(required=True, validate=_NON_EMPTY)
    schema_version = strict_integer(minimum=1)
    occurred_at = UtcDateTime(required=True)
    producer = fields.String(required=True, validate=_NON_EMPTY)
    data_id = UuidString(required=True)
    partner_id = fields.String(
        required=True,
        validate=validate.Regexp(
            rf"{PARTNER_ID_PATTERN}\Z", error="Must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'."
        ),
    )
    record_version = strict_integer(minimum=1)
    correlation_id = fields.String(required=True, validate=_NON_EMPTY)
    causation_id = fields.String(load_default=None, allow_none=True, validate=_NON_EMPTY)
    data = fields.Dict(required=True)
