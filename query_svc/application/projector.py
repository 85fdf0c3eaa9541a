"""Applies integration events: appends each to its record's timeline once, then refolds the record's view.

Only two kinds of write are used, both atomic on FerretDB as on MongoDB: taking a numbered timeline slot
(a unique key, so two writers can never take the same one) and replacing the whole view document. FerretDB
1.24 does not make a conditional update atomic (it reads, then writes), so the view is not built by
compare-and-swap. Instead, after writing the view each writer looks at the next slot, and refolds if
another writer appended meanwhile: the last write to a view therefore always comes from the whole timeline.

Events come in batches: one bulk insert takes the slots of the whole batch and one bulk write replaces the
views (one bulk insert adds those of records the batch started), then one lookup per record checks the next
slot. Within one process, batches touching the same
record are applied one at a time (striped locks), and each record's known timeline is cached, so nothing
is read before writing. A slot's event never changes once taken, so the cache cannot go wrong; it can only
be behind another process, which a refused slot or the check reveals.

Erasure is the one change to a taken slot: its entry is replaced by the same event without its payload
(domain.erasure), never removed, so slot numbers and event ids, all the argument above rests on, stay as
they are. The writer that appends a record's DataErased (or sees it redelivered) scrubs every slot before
it; it knows them all, since it could only take its slot after them. Whoever takes a slot after the
DataErased knew of it, for the same reason, and stores its entry already scrubbed. The cache keeps an
erased record's entries scrubbed too.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import Any, Protocol

from query_svc.application.ports import RecordViews, Slot, Timeline
from query_svc.domain.erasure import is_erased, kept, scrubbed, scrubbed_all
from query_svc.domain.errors import ConcurrentUpdate
from query_svc.domain.timeline import TimelineEntry, distinct
from query_svc.domain.view import fold

# Each retry means another process appended to the same record meanwhile; past this the broker redelivers.
MAX_ATTEMPTS = 20
_STRIPES = 64

Entries = tuple[TimelineEntry, ...]


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


class KnownTimelines:
    """A bounded, thread-safe cache of the timeline slots this process has seen, least recently used out."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[str, Entries] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, data_id: str) -> Entries:
        with self._lock:
            known = self._entries.get(data_id, ())
            if known:
                self._entries.move_to_end(data_id)
            return known

    def put(self, data_id: str, known: Entries) -> None:
        if self._capacity <= 0:
            return
        with self._lock:
            self._entries[data_id] = known
            self._entries.move_to_end(data_id)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)


class Applier(Protocol):
    """What consumers hand events to: a Projector, or a LiveProjection that follows the active generation."""

    def apply(self, data_id: str, entry: TimelineEntry) -> bool: ...

    def apply_many(self, entries: Sequence[TimelineEntry]) -> set[str]: ...


class Projector:
    """Adds each event to its record's timeline once and refolds the view; safe to run concurrently,
    in threads of one process and in any number of processes."""

    def __init__(self, timeline: Timeline, views: RecordViews, *, cache_records: int = 20_000) -> None:
        self._timeline = timeline
        self._views = views
        self._known = KnownTimelines(cache_records)
        self._stripes = [threading.Lock() for _ in range(_STRIPES)]

    def apply(self, data_id: str, entry: TimelineEntry) -> bool:
        """Applies one entry; True if it was new, False for a redelivery."""
        return entry.event_id in self.apply_many([entry])

    def apply_many(self, entries: Sequence[TimelineEntry], *, sole_writer: bool = False) -> set[str]:
        """Applies a batch with one bulk write of timeline slots and one of views; returns the event ids that
        were new. A redelivered entry's view is written anyway, in case its first delivery stopped between
        the two writes. `sole_writer` (a rebuild filling a generation nothing else writes yet) skips the
        check for other writers' appends."""
        by_record: dict[str, list[TimelineEntry]] = {}
        for entry in entries:
            by_record.setdefault(entry.data_id, []).append(entry)
        with self._locked(by_record):
            known = {data_id: self._known.get(data_id) for data_id in by_record}
            added, started = self._append(by_record, known)
            self._scrub(known)
            self._settle(known, check=not sole_writer, new=started)
            for data_id, entries_known in known.items():
                self._known.put(data_id, kept(entries_known))
        return added

    @contextmanager
    def _locked(self, data_ids: Iterable[str]) -> Iterator[None]:
        """Holds the stripes of these records, taken in one global order so two batches never deadlock."""
        stripes = sorted({zlib.crc32(data_id.encode()) % _STRIPES for data_id in data_ids})
        with ExitStack() as stack:
            for stripe in stripes:
                stack.enter_context(self._stripes[stripe])
            yield

    def _append(
        self, pending: dict[str, list[TimelineEntry]], known: dict[str, Entries]
    ) -> tuple[set[str], set[str]]:
        """Takes the next free slots for the entries the timelines do not hold yet; updates `known`. Returns
        the event ids added and the records whose timeline this call started (it took their slot 0)."""
        added: set[str] = set()
        started: set[str] = set()
        for _ in range(MAX_ATTEMPTS):
            slots: list[Slot] = []
            for data_id, entries in pending.items():
                held = {e.event_id for e in known[data_id]}
                next_slot = len(known[data_id])
                erased = is_erased(known[data_id]) or is_erased(entries)
                for entry in entries:
                    if entry.event_id not in held:
                        slots.append((data_id, next_slot, scrubbed(entry) if erased else entry))
                        held.add(entry.event_id)
                        next_slot += 1
            taken = self._timeline.append_many(slots)
            behind = {slots[i][0] for i in taken}  # records another writer appended to meanwhile
            for data_id, slot, entry in slots:
                if data_id not in behind:
                    known[data_id] = (*known[data_id], entry)
                    added.add(entry.event_id)
                    if slot == 0:
                        started.add(data_id)
            for data_id in behind:
                known[data_id] += self._timeline.read(data_id, len(known[data_id]))
            pending = {data_id: pending[data_id] for data_id in behind}
            if not pending:
                return added, started
        raise ConcurrentUpdate(f"records {sorted(pending)} kept growing during {MAX_ATTEMPTS} attempts")

    def _scrub(self, known: dict[str, Entries]) -> None:
        """Strips the payload from the stored slots of the erased records among `known`; updates `known`."""
        slots: list[Slot] = []
        for data_id, entries in known.items():
            if not is_erased(entries):
                continue
            clean = scrubbed_all(entries)
            slots += [(data_id, n, entry) for n, entry in enumerate(clean) if entry is not entries[n]]
            known[data_id] = clean
        self._timeline.scrub(slots)

    def _settle(self, known: dict[str, Entries], *, check: bool, new: set[str]) -> None:
        """Writes each view folded from `known`, then again for any record another writer appended to. The
        views of `new` records (this call took their first slot) are inserted, one cheap bulk insert: they
        have none yet, unless another writer appended and wrote one in between, which add_many replaces
        (and the check below refolds)."""
        views = [(data_id, fold(distinct(e)), len(e)) for data_id, e in known.items()]
        self._views.add_many([v for v in views if v[0] in new])
        self._views.save_many([v for v in views if v[0] not in new])
        if not check:
            return
        behind = self._timeline.taken([(data_id, len(entries)) for data_id, entries in known.items()])
        for data_id in behind:
            known[data_id] = self._catch_up(data_id, known[data_id])

    def _catch_up(self, data_id: str, entries: Entries) -> Entries:
        """Refolds the view while the slot after the last one folded is taken; returns the whole timeline."""
        for _ in range(MAX_ATTEMPTS):
            newer = self._timeline.read(data_id, len(entries))
            if not newer:
                return entries
            entries += newer
            self._views.save(data_id, fold(distinct(entries)), len(entries))
        raise ConcurrentUpdate(f"record {data_id} kept changing during {MAX_ATTEMPTS} attempts")
