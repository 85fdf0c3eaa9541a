"""Recent pipeline activity: how many records were received, validated and processed in each past minute.

Read from the records view, so a partner sees only its own activity. Each record counts once per stage, at
the time its current version reached that stage; an amended record's earlier versions are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from query_svc.application.ports import ListRequest, RecordReader
from query_svc.application.queries import scope_for

# Stage -> where the records view keeps the time the current version reached it.
STAGES = {
    "received": ("received_at",),
    "validated": ("validation", "validated_at"),
    "processed": ("processing", "processed_at"),
}
DEFAULT_MINUTES = 15
# Records changed in the window that are read at most; past it the oldest minutes undercount.
DEFAULT_SAMPLE = 5000


@dataclass(frozen=True)
class Activity:
    """Per-minute counts for each stage, oldest minute first; the last minute is still filling."""

    minutes: tuple[datetime, ...]
    counts: dict[str, tuple[int, ...]]
    truncated: bool  # more records changed in the window than were read

    def per_minute(self, stage: str, last: int = 5) -> float:
        """The mean count over the `last` complete minutes (the filling one left out)."""
        complete = self.counts[stage][:-1][-last:]
        return sum(complete) / len(complete) if complete else 0.0


class PipelineActivity:
    def __init__(self, reader: RecordReader, sample: int = DEFAULT_SAMPLE) -> None:
        self._reader = reader
        self._sample = sample

    def recent(self, partner_scope: str | None, now: datetime, minutes: int = DEFAULT_MINUTES) -> Activity:
        """Counts for the `minutes` minutes up to `now`, from records updated since the first of them."""
        start = now.replace(second=0, microsecond=0) - timedelta(minutes=minutes - 1)
        # Any stage reached in the window moved `updated_at` into it, and `updated_at` is indexed.
        request = ListRequest(
            {"$and": [scope_for(partner_scope), {"updated_at": {"$gte": start}}]},
            (("updated_at", -1), ("_id", -1)),
            ("received_at", "validation.validated_at", "processing.processed_at", "updated_at"),
            self._sample,
        )
        found = self._reader.find(request)
        counts = {stage: [0] * minutes for stage in STAGES}
        for doc in found.documents:
            for stage, path in STAGES.items():
                moment = _at(doc, path)
                if moment is not None and moment >= start:
                    index = int((moment - start).total_seconds() // 60)
                    if index < minutes:
                        counts[stage][index] += 1
        return Activity(
            minutes=tuple(start + timedelta(minutes=i) for i in range(minutes)),
            counts={stage: tuple(values) for stage, values in counts.items()},
            truncated=found.more,
        )


def _at(doc: dict[str, Any], path: tuple[str, ...]) -> datetime | None:
    value: Any = doc
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, datetime) else None
