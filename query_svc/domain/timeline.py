"""One applied integration event as the record's timeline keeps it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

INGESTED = "DataIngested"
VALIDATED = "DataValidated"
PROCESSED = "DataProcessed"
ERASED = "DataErased"
# Within one version the fold reads the submission first, then the results, then the erasure.
_TYPE_RANK = {INGESTED: 0, VALIDATED: 1, PROCESSED: 2, ERASED: 3}


@dataclass(frozen=True)
class TimelineEntry:
    """An event of one record: its identity, ordering fields and its data in wire (JSON) form."""

    event_id: str
    data_id: str
    event_type: str
    occurred_at: datetime
    producer: str
    partner_id: str
    record_version: int
    data: dict[str, Any]

    def fold_key(self) -> tuple[int, int, datetime, str]:
        """Orders entries for folding: by version, submission before results, then time and id."""
        return (self.record_version, _TYPE_RANK.get(self.event_type, 9), self.occurred_at, self.event_id)

    def history_key(self) -> tuple[datetime, int, int, str]:
        """Orders entries for the history answer: by when they happened."""
        return (self.occurred_at, self.record_version, _TYPE_RANK.get(self.event_type, 9), self.event_id)


def distinct(entries: tuple[TimelineEntry, ...]) -> tuple[TimelineEntry, ...]:
    """The entries without repeats of an event id, first occurrence kept.

    Two writers handling the same event at the same moment (a redelivery racing the first delivery) can
    each append it; every reader sees the record's events through this, so a repeat changes nothing.
    """
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry.event_id not in seen:
            seen.add(entry.event_id)
            kept.append(entry)
    return tuple(kept)
