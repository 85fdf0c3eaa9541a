"""Applies integration events: store each once in the timeline, then refold the record's view until stable.

Only two kinds of write are used, both atomic on FerretDB as on MongoDB: inserting a timeline entry keyed
by its event id (a duplicate fails on the unique key) and replacing the whole view document. FerretDB 1.24
does not make a conditional update atomic (it reads, then writes), so the view is not built by
compare-and-swap; instead each writer re-reads the timeline after writing the view and refolds if an event
arrived meanwhile. The last write to a view therefore always comes from the complete timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from query_svc.application.ports import RecordViews, Timeline
from query_svc.domain.errors import ConcurrentUpdate
from query_svc.domain.timeline import TimelineEntry
from query_svc.domain.view import fold

# Each retry means another event of the same record landed meanwhile; past this the broker redelivers.
MAX_ATTEMPTS = 20


def entry_from_wire(event: Mapping[str, Any], occurred_at: datetime) -> TimelineEntry:
    """Builds a timeline entry from an event's wire form (contracts.to_dict)."""
    return TimelineEntry(
        event_id=str(event["event_id"]),
        data_id=str(event["data_id"]),
        event_type=str(event["event_type"]),
        occurred_at=occurred_at,
        producer=str(event["producer"]),
        partner_id=str(event["partner_id"]),
        record_version=int(event["record_version"]),
        data=dict(event["data"]),
    )


class Projector:
    """Adds each event to its record's timeline once and refolds the view; safe to run concurrently."""

    def __init__(self, timeline: Timeline, views: RecordViews) -> None:
        self._timeline = timeline
        self._views = views

    def apply(self, data_id: str, entry: TimelineEntry) -> bool:
        """Applies the entry; True if it was new, False for a redelivery (whose view is refolded anyway,
        in case the first delivery stopped between the two writes)."""
        added = self._timeline.add(data_id, entry)
        for _ in range(MAX_ATTEMPTS):
            entries = self._timeline.entries(data_id)
            self._views.save(data_id, fold(entries), len(entries))
            if _ids(self._timeline.entries(data_id)) == _ids(entries):
                return added
        raise ConcurrentUpdate(f"record {data_id} kept changing during {MAX_ATTEMPTS} attempts")


def _ids(entries: tuple[TimelineEntry, ...]) -> set[str]:
    return {e.event_id for e in entries}
