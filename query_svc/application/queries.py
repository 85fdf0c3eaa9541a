"""Read use cases: a record now, at a past moment, its history, and filtered pages of records."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from query_svc.application.cursor import CursorCodec
from query_svc.application.listing import SORT_TYPES, build_list_query
from query_svc.application.ports import RecordReader, TimelineReader
from query_svc.domain.erasure import kept
from query_svc.domain.errors import RecordNotFound
from query_svc.domain.timeline import TimelineEntry, distinct
from query_svc.domain.view import AWAITING, STATUSES, as_of

VISIBLE: dict[str, Any] = {"version": {"$gte": 1}}  # records whose DataIngested has not arrived stay hidden
PRIVATE = ("_applied",)
_POLL_S = 0.05
# A page ends before `limit` once its records take this much in the store: 1,000 records of 1 MiB would
# otherwise be read, held and rendered whole by one request.
DEFAULT_PAGE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def public(doc: Mapping[str, Any], fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The record as answered: `_id` becomes `id`, internals dropped, and only `fields` if given."""
    out = {"id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id" and k not in PRIVATE}}
    if fields is None:
        return out
    roots = {name.split(".")[0] for name in fields}
    return {k: v for k, v in out.items() if k in roots}


def scope_for(partner_scope: str | None) -> dict[str, Any]:
    """What every read is confined to: visible records, and the caller's own partner unless admin."""
    return VISIBLE if partner_scope is None else {**VISIBLE, "partner_id": partner_scope}


class RecordQueries:
    def __init__(
        self,
        reader: RecordReader,
        timeline: TimelineReader,
        cursor_secret: bytes,
        page_bytes: int = DEFAULT_PAGE_BYTES,
    ) -> None:
        self._reader = reader
        self._timeline_store = timeline
        self._cursors = CursorCodec(cursor_secret, SORT_TYPES)
        self._page_bytes = page_bytes

    def get(self, data_id: str, partner_scope: str | None) -> dict[str, Any]:
        doc = self._reader.get(data_id)
        if doc is None or doc.get("version", 0) < 1 or not _may_see(doc["partner_id"], partner_scope):
            raise RecordNotFound(f"no record {data_id}")
        return public(doc)

    def as_of(self, data_id: str, moment: datetime, partner_scope: str | None) -> dict[str, Any]:
        view = as_of(self._timeline(data_id, partner_scope), moment)
        if view is None:
            raise RecordNotFound(f"record {data_id} did not exist yet at {moment.isoformat()}")
        return {"id": data_id, **view}

    def history(self, data_id: str, partner_scope: str | None) -> list[dict[str, Any]]:
        # An erased record's slots are scrubbed as its DataErased is applied; this covers the moment before.
        entries = sorted(kept(self._timeline(data_id, partner_scope)), key=TimelineEntry.history_key)
        return [
            {
                "event_id": e.event_id,
                "event_type": e.event_type,
                "occurred_at": e.occurred_at,
                "producer": e.producer,
                "record_version": e.record_version,
                "data": e.data,
            }
            for e in entries
        ]

    def list(self, params: Mapping[str, Any], partner_scope: str | None) -> Page:
        query = build_list_query(params, scope_for(partner_scope), self._cursors)
        request = replace(query.request, max_bytes=self._page_bytes)
        found = self._reader.find(request)
        docs, cursor = found.documents, None
        if found.more and found.last_keys is not None:
            cursor = self._cursors.encode(list(found.last_keys), query.fingerprint)
        return Page([public(doc, request.fields) for doc in docs], cursor)

    def wait_for(
        self, data_id: str, partner_scope: str | None, min_version: int, wait_s: float
    ) -> tuple[dict[str, Any], bool]:
        """Read-your-writes: polls until the view reaches `min_version` or the wait ends; True if stale."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                record = self.get(data_id, partner_scope)
                if record["version"] >= min_version:
                    return record, False
            except RecordNotFound:
                record = None
            if time.monotonic() >= deadline:
                if record is None:
                    raise RecordNotFound(f"no record {data_id} (waited for version {min_version})")
                return record, True
            time.sleep(min(_POLL_S, max(0.0, deadline - time.monotonic())))

    def stats(self, partner_scope: str | None) -> dict[str, Any]:
        """Counts of visible records by status (and by partner for admins).

        Visibility is told by status here, not by VISIBLE's version: a record is AWAITING exactly while its
        version is 0, and the status indexes answer status conditions without reading any document."""
        mine = {} if partner_scope is None else {"partner_id": partner_scope}
        by_status = self._reader.count_by(mine, "status")
        by_status.pop(AWAITING, None)
        stats: dict[str, Any] = {"total": sum(by_status.values()), "by_status": by_status}
        if partner_scope is None:
            stats["by_partner"] = self._reader.count_by({"status": {"$in": list(STATUSES)}}, "partner_id")
        return stats

    def _timeline(self, data_id: str, partner_scope: str | None) -> tuple[TimelineEntry, ...]:
        entries = distinct(self._timeline_store.read(data_id))
        if not any(e.event_type == "DataIngested" for e in entries):
            raise RecordNotFound(f"no record {data_id}")
        if not _may_see(entries[0].partner_id, partner_scope):
            raise RecordNotFound(f"no record {data_id}")
        return entries


def _may_see(partner_id: str, partner_scope: str | None) -> bool:
    return partner_scope is None or partner_id == partner_scope
