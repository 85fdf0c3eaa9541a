"""Hypothesis strategies for valid wire forms of every event type at its latest schema version (sealed and
plain where both exist), written independently of contracts."""

from __future__ import annotations

import base64
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

# The latest schema version of each event type, as the published contract states it.
LATEST_VERSIONS = {"DataIngested": 2, "DataValidated": 1, "DataProcessed": 2, "DataErased": 1}
MAX_REASON_LENGTH = 500


def rfc3339(moment: datetime) -> str:
    """Writes a UTC datetime the way the wire does, independently of contracts' own formatter."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@st.composite
def envelopes(draw: st.DrawFn, event_type: str, data: JsonObject) -> JsonObject:
    return {
        "event_id": str(draw(st.uuids())),
        "event_type": event_type,
        "schema_version": LATEST_VERSIONS[event_type],
        "occurred_at": rfc3339(draw(moments)),
        "producer": draw(texts),
        "data_id": str(draw(st.uuids())),
        "partner_id": draw(st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True)),
        "record_version": draw(st.integers(min_value=1, max_value=2**63 - 1)),
        "correlation_id": draw(texts),
        "causation_id": draw(st.none() | texts),
        "data": data,
    }


def _base64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# AES-GCM output as the wire carries it: a 12-byte nonce, and ciphertext followed by its 16-byte tag.
sealed_values = st.fixed_dictionaries(
    {
        "nonce": st.binary(min_size=12, max_size=12).map(_base64),
        "ciphertext": st.binary(min_size=16, max_size=80).map(_base64),
    }
)
keyed_hashes = st.binary(min_size=32, max_size=32).map(lambda digest: f"hmac-sha256:{digest.hex()}")


@st.composite
def ingested_wires(draw: st.DrawFn) -> JsonObject:
    """A plain DataIngested (as version 1 wrote it, re-encoded at version 2)."""
    payload = draw(payloads)
    data = {
        "payload": payload,
        "received_at": rfc3339(draw(moments)),
        "external_id": draw(st.none() | st.text()),
        "content_hash": content_hash(payload),
        "sealed_payload": None,
    }
    return draw(envelopes("DataIngested", data))


@st.composite
def sealed_ingested_wires(draw: st.DrawFn) -> JsonObject:
    data = {
        "payload": None,
        "received_at": rfc3339(draw(moments)),
        "external_id": draw(st.none() | st.text()),
        "content_hash": draw(keyed_hashes),
        "sealed_payload": draw(sealed_values),
    }
    return draw(envelopes("DataIngested", data))


@st.composite
def validated_wires(draw: st.DrawFn) -> JsonObject:
    violation = st.fixed_dictionaries({"rule": texts, "field": st.text(), "message": texts})
    errors = draw(st.lists(violation, max_size=3))
    data = {"is_valid": not errors, "errors": errors, "ruleset_version": draw(texts)}
    return draw(envelopes("DataValidated", data))


def _steps(extras: st.SearchStrategy[JsonObject]) -> st.SearchStrategy[list[JsonObject]]:
    step = st.fixed_dictionaries(
        {
            "name": texts,
            "version": texts,
            "status": st.sampled_from(["succeeded", "failed", "skipped"]),
            "extra": extras,
        }
    )
    return st.lists(step, max_size=3)


@st.composite
def processed_wires(draw: st.DrawFn) -> JsonObject:
    """A plain DataProcessed (as version 1 wrote it, re-encoded at version 2)."""
    data = {
        "status": draw(st.sampled_from(["processed", "failed"])),
        "result": draw(st.none() | payloads),
        "steps": draw(_steps(payloads)),
        "pipeline_version": draw(texts),
        "sealed_details": None,
    }
    return draw(envelopes("DataProcessed", data))


@st.composite
def sealed_processed_wires(draw: st.DrawFn) -> JsonObject:
    """A DataProcessed whose result and step details travel sealed: none of them in plain."""
    data = {
        "status": draw(st.sampled_from(["processed", "failed"])),
        "result": None,
        "steps": draw(_steps(st.just({}))),
        "pipeline_version": draw(texts),
        "sealed_details": draw(sealed_values),
    }
    return draw(envelopes("DataProcessed", data))


@st.composite
def erased_wires(draw: st.DrawFn) -> JsonObject:
    data = {
        "erased_at": rfc3339(draw(moments)),
        "erased_by": draw(texts),
        "reason": draw(st.none() | st.text(max_size=MAX_REASON_LENGTH)),
    }
    return draw(envelopes("DataErased", data))


any_wires = (
    ingested_wires()
    | sealed_ingested_wires()
    | validated_wires()
    | processed_wires()
    | sealed_processed_wires()
    | erased_wires()
)
