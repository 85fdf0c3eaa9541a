"""Property: any valid DataIngested event survives decode and encode unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import JsonObject, content_hash, decode, encode

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=25,
)
payloads = st.dictionaries(st.text(), json_values, max_size=6)
moments = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC))
offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


def _rfc3339(moment: datetime) -> str:
    """Writes a UTC datetime the way the wire does, independently of contracts' own formatter."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@st.composite
def ingested_wires(draw: st.DrawFn) -> JsonObject:
    payload = draw(payloads)
    return {
        "event_id": str(draw(st.uuids())),
        "event_type": "DataIngested",
        "schema_version": 1,
        "occurred_at": _rfc3339(draw(moments)),
        "producer": draw(st.text(min_size=1)),
        "data_id": str(draw(st.uuids())),
        "partner_id": draw(st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True)),
        "record_version": draw(st.integers(min_value=1, max_value=2**63 - 1)),
        "correlation_id": draw(st.text(min_size=1)),
        "causation_id": draw(st.none() | st.text(min_size=1)),
        "data": {
            "payload": payload,
            "received_at": _rfc3339(draw(moments)),
            "external_id": draw(st.none() | st.text()),
            "content_hash": content_hash(payload),
        },
    }


@settings(deadline=None)
@given(ingested_wires())
def test_encode_of_decode_reproduces_the_wire_form(wire: JsonObject) -> None:
    raw = json.dumps(wire).encode("utf-8")

    assert json.loads(encode(decode(raw))) == wire


@settings(deadline=None)
@given(ingested_wires())
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
    assert json.loads(encode(decode(wire)))["occurred_at"] == _rfc3339(moment)
