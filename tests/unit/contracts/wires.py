"""Hypothesis strategies for valid version 1 wire forms of every event type, written independently of contracts."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from contracts import JsonObject, content_hash

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
texts = st.text(min_size=1)


def rfc3339(moment: datetime) -> str:
    """Writes a UTC datetime the way the wire does, independently of contracts' own formatter."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@st.composite
def envelopes(draw: st.DrawFn, event_type: str, data: JsonObject) -> JsonObject:
    return {
        "event_id": str(draw(st.uuids())),
        "event_type": event_type,
        "schema_version": 1,
        "occurred_at": rfc3339(draw(moments)),
        "producer": draw(texts),
        "data_id": str(draw(st.uuids())),
        "partner_id": draw(st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True)),
        "record_version": draw(st.integers(min_value=1, max_value=2**63 - 1)),
        "correlation_id": draw(texts),
        "causation_id": draw(st.none() | texts),
        "data": data,
    }


@st.composite
def ingested_wires(draw: st.DrawFn) -> JsonObject:
    payload = draw(payloads)
    data = {
        "payload": payload,
        "received_at": rfc3339(draw(moments)),
        "external_id": draw(st.none() | st.text()),
        "content_hash": content_hash(payload),
    }
    return draw(envelopes("DataIngested", data))


@st.composite
def validated_wires(draw: st.DrawFn) -> JsonObject:
    violation = st.fixed_dictionaries({"rule": texts, "field": st.text(), "message": texts})
    errors = draw(st.lists(violation, max_size=3))
    data = {"is_valid": not errors, "errors": errors, "ruleset_version": draw(texts)}
    return draw(envelopes("DataValidated", data))


@st.composite
def processed_wires(draw: st.DrawFn) -> JsonObject:
    step = st.fixed_dictionaries(
        {
            "name": texts,
            "version": texts,
            "status": st.sampled_from(["succeeded", "failed", "skipped"]),
            "extra": payloads,
        }
    )
    data = {
        "status": draw(st.sampled_from(["processed", "failed"])),
        "result": draw(st.none() | payloads),
        "steps": draw(st.lists(step, max_size=3)),
        "pipeline_version": draw(texts),
    }
    return draw(envelopes("DataProcessed", data))


any_wires = ingested_wires() | validated_wires() | processed_wires()
