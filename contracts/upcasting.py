"""Upcasters: pure functions that lift an event's data from one schema version to the next."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC
from typing import TypeAlias

from contracts.canonical import content_hash
from contracts.json_values import JsonObject, json_problem
from contracts.wire import format_rfc3339, parse_rfc3339

Upcaster: TypeAlias = Callable[[JsonObject], JsonObject]


def upcast(
    data: JsonObject, upcasters: Mapping[int, Upcaster], from_version: int, to_version: int
) -> JsonObject:
    """Applies one upcaster per version step, in order, from one schema version up to another."""
    for version in range(from_version, to_version):
        data = upcasters[version](data)
    return data


def data_ingested_v0_to_v1(data: JsonObject) -> JsonObject:
    """Lifts DataIngested data from the seed system's pre-release shape (version 0) to version 1.

    Version 0 carried the partner's record under ``data`` instead of ``payload`` and its arrival time under
    ``timestamp`` instead of ``received_at``, written by ``datetime.utcnow().isoformat()`` and so without an
    offset although it was UTC; it had no ``content_hash``. Anything else passes through untouched, and a
    missing or malformed field is left for the version 1 schema to report.
    """
    lifted = {key: value for key, value in data.items() if key not in ("data", "timestamp")}
    if "data" in data:
        lifted["payload"] = data["data"]
        if json_problem(data["data"]) is None:
            lifted["content_hash"] = content_hash(data["data"])
    if "timestamp" in data:
        lifted["received_at"] = _assume_utc(data["timestamp"])
    return lifted


def sealed_fields_v1_to_v2(data: JsonObject) -> JsonObject:
    """Lifts DataIngested or DataProcessed data from version 1 to 2: version 2 only adds the sealed form,
    so a version 1 event is a version 2 event whose payload (or result) is plain."""
    return data


def _assume_utc(timestamp: object) -> object:
    """Gives an offset-less RFC 3339 timestamp the UTC offset it was written in; leaves others alone."""
    moment = parse_rfc3339(timestamp) if isinstance(timestamp, str) else None
    if moment is None or moment.tzinfo is not None:
        return timestamp
    return format_rfc3339(moment.replace(tzinfo=UTC))
