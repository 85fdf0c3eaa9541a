"""Folds a record's timeline into its view; the fold depends only on the set of events, never their order.

Because the view is a pure function of the set of applied events, any delivery order, any duplicate and any
stale version converge on the same document: duplicates do not change the set, a result for an older version
sits in the timeline without touching the current fields, and a result that came before its DataIngested
is applied as soon as that version becomes current.

An erased record (its DataErased is in the set, or its current version's payload could not be opened) keeps
its identity, versions, verdicts and times, and nothing of its payload: the same set always folds to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from query_svc.domain.erasure import is_erased, is_unreadable, scrubbed_all
from query_svc.domain.timeline import ERASED, INGESTED, PROCESSED, VALIDATED, TimelineEntry

# The record's overall status for its current version (see docs/api.md "Query service"):
RECEIVED = "received"  # ingested; neither result known yet for the current version
VALIDATED_ONLY = "validated"  # valid verdict known, processing pending
INVALID_ONLY = "invalid"  # invalid verdict known, processing pending
PROCESSED_ONLY = "processed"  # processing succeeded, validation pending
FAILED_ONLY = "failed"  # processing failed, validation pending
COMPLETE = "complete"  # both results known for the current version
ERASED_STATUS = "erased"  # erased on request, or its payload cannot be opened: no payload, no results
AWAITING = "awaiting"  # only results arrived so far; hidden from every read until DataIngested comes
STATUSES = (RECEIVED, VALIDATED_ONLY, INVALID_ONLY, PROCESSED_ONLY, FAILED_ONLY, COMPLETE, ERASED_STATUS)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def fold(entries: Iterable[TimelineEntry]) -> dict[str, Any]:
    """Returns the view fields of a record (without `_id`) from its timeline entries."""
    ordered = sorted(entries, key=TimelineEntry.fold_key)
    ingested = [e for e in ordered if e.event_type == INGESTED]
    partner_id = ordered[0].partner_id if ordered else ""
    if not ingested:
        return {"partner_id": partner_id, "version": 0, "status": AWAITING}
    current = _first_of_version(ingested, max(e.record_version for e in ingested))
    if is_erased(ordered) or is_unreadable(current):
        return _erased(scrubbed_all(ordered), current)
    validation = _latest(ordered, VALIDATED, current.record_version)
    processing = _latest(ordered, PROCESSED, current.record_version)
    return {
        "partner_id": current.partner_id,
        "timestamp": parse_time(ingested[0].data["received_at"]),
        "received_at": parse_time(current.data["received_at"]),
        "payload": current.data["payload"],
        "external_id": current.data.get("external_id"),
        "content_hash": current.data.get("content_hash"),
        "version": current.record_version,
        "status": _status(validation, processing),
        "validation": _validation(validation),
        "processing": _processing(processing),
        "updated_at": max(e.occurred_at for e in ordered),
    }


def _erased(ordered: tuple[TimelineEntry, ...], current: TimelineEntry) -> dict[str, Any]:
    """The erased record: when it was erased (None until its DataErased is applied), no payload."""
    first = next(e for e in ordered if e.event_type == INGESTED)
    erasures = [parse_time(e.data["erased_at"]) for e in ordered if e.event_type == ERASED]
    validation = _latest(list(ordered), VALIDATED, current.record_version)
    processing = _latest(list(ordered), PROCESSED, current.record_version)
    return {
        "partner_id": current.partner_id,
        "timestamp": parse_time(first.data["received_at"]),
        "received_at": parse_time(current.data["received_at"]),
        "payload": None,
        "version": current.record_version,
        "status": ERASED_STATUS,
        "erased_at": min(erasures) if erasures else None,
        "validation": _validation(validation),
        "processing": _processing(processing),
        "updated_at": max(e.occurred_at for e in ordered),
    }


def _first_of_version(ingested: list[TimelineEntry], version: int) -> TimelineEntry:
    # A re-published submission of the same version carries the same payload; the first one is canonical.
    return next(e for e in ingested if e.record_version == version)


def _latest(ordered: list[TimelineEntry], event_type: str, version: int) -> TimelineEntry | None:
    """The newest result of a type for the version (a re-run, e.g. a newer ruleset, supersedes older ones)."""
    matching = [e for e in ordered if e.event_type == event_type and e.record_version == version]
    return matching[-1] if matching else None


def _status(validation: TimelineEntry | None, processing: TimelineEntry | None) -> str:
    if validation is not None and processing is not None:
        return COMPLETE
    if validation is not None:
        return VALIDATED_ONLY if validation.data["is_valid"] else INVALID_ONLY
    if processing is not None:
        return PROCESSED_ONLY if processing.data["status"] == "processed" else FAILED_ONLY
    return RECEIVED


def _validation(entry: TimelineEntry | None) -> dict[str, Any]:
    if entry is None:
        return {"status": "pending", "errors": [], "ruleset_version": None, "validated_at": None}
    return {
        "status": "valid" if entry.data["is_valid"] else "invalid",
        "errors": entry.data.get("errors", []),
        "ruleset_version": entry.data.get("ruleset_version"),
        "validated_at": entry.occurred_at,
    }


def _processing(entry: TimelineEntry | None) -> dict[str, Any]:
    if entry is None:
        return {
            "status": "pending",
            "result": None,
            "steps": [],
            "pipeline_version": None,
            "processed_at": None,
        }
    return {
        "status": entry.data["status"],
        "result": entry.data.get("result"),
        "steps": entry.data.get("steps", []),
        "pipeline_version": entry.data.get("pipeline_version"),
        "processed_at": entry.occurred_at,
    }


def as_of(entries: Iterable[TimelineEntry], moment: datetime) -> dict[str, Any] | None:
    """The view as it was at `moment`, from the events that had happened by then; None if not yet ingested.
    An erased record shows no payload at any moment, also before its erasure."""
    entries = tuple(entries)
    if is_erased(entries):
        entries = scrubbed_all(entries)
    view = fold([e for e in entries if e.occurred_at <= moment])
    return None if view["version"] == 0 else view
