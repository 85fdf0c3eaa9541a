"""What of a timeline entry survives its record's erasure: identity, order, verdicts and times, never the
payload or anything derived from it (docs/adr/0006-erasure-by-crypto-shredding.md).

An entry whose sealed fields could not be opened (the record's data key was destroyed, or is unknown to the
key store) is kept in this same scrubbed form, so the fold and the readers treat both alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from query_svc.domain.timeline import ERASED, INGESTED, PROCESSED, VALIDATED, TimelineEntry

# Marks an entry's data as stripped of everything payload-bearing (scrubbed, or never opened).
UNREADABLE = "unreadable"


def is_erased(entries: Iterable[TimelineEntry]) -> bool:
    """Whether the record's timeline holds its DataErased."""
    return any(entry.event_type == ERASED for entry in entries)


def is_unreadable(entry: TimelineEntry) -> bool:
    return bool(entry.data.get(UNREADABLE))


def scrubbed(entry: TimelineEntry) -> TimelineEntry:
    """The entry with only the data that does not derive from the payload; the same entry if already so."""
    if entry.event_type == ERASED or is_unreadable(entry):
        return entry
    return dataclasses.replace(entry, data=_kept(entry.event_type, entry.data))


def scrubbed_all(entries: Iterable[TimelineEntry]) -> tuple[TimelineEntry, ...]:
    return tuple(scrubbed(entry) for entry in entries)


def kept(entries: tuple[TimelineEntry, ...]) -> tuple[TimelineEntry, ...]:
    """The entries as a reader or a cache may keep them: scrubbed once the record is erased."""
    return scrubbed_all(entries) if is_erased(entries) else entries


def _kept(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    if event_type == INGESTED:
        # content_hash goes too: a plain SHA-256 of the payload confirms a guess of it.
        return {"payload": None, "received_at": data["received_at"], UNREADABLE: True}
    if event_type == VALIDATED:
        # A violation's message may quote the value that broke the rule.
        return {
            "is_valid": data["is_valid"],
            "errors": [],
            "ruleset_version": data.get("ruleset_version"),
            UNREADABLE: True,
        }
    if event_type == PROCESSED:
        return {
            "status": data["status"],
            "result": None,
            "steps": [{**step, "extra": {}} for step in data.get("steps", [])],
            "pipeline_version": data.get("pipeline_version"),
            UNREADABLE: True,
        }
    return {UNREADABLE: True}
