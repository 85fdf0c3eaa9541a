"""Property: any valid event survives decode and encode unchanged."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import JsonObject, decode, encode
from tests.unit.contracts.wires import any_wires, ingested_wires, moments, rfc3339

offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@settings(deadline=None)
@given(any_wires)
def test_encode_of_decode_reproduces_the_wire_form(wire: JsonObject) -> None:
    raw = json.dumps(wire).encode("utf-8")

    assert json.loads(encode(decode(raw))) == wire


@settings(deadline=None)
@given(any_wires)
def test_decode_of_encode_reproduces_the_event(wire: JsonObject) -> None:
    event = decode(wire)

    assert decode(encode(event)) == event


@settings(deadline=None)
@given(ingested_wires(), moments, offsets)
def test_an_offset_timestamp_reads_as_the_same_instant_in_utc(
    wire: JsonObject, moment: datetime, offset: timezone
) -> None:
    wire["occurred_at"] = moment.astimezone(offset).isoformat()

    assert decode(wire).occurred_at == moment
    assert json.loads(encode(decode(wire)))["occurred_at"] == rfc3339(moment)
