"""The projector on DataErased: the view becomes the erased record and no stored slot keeps the payload."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest

from eventkit.sealing.keys import MemoryKeyStore
from query_svc.adapters.memory import InMemoryRecordViews, InMemoryTimeline
from query_svc.application.opening import EntryOpener
from query_svc.application.ports import Slot
from query_svc.application.projector import Projector
from query_svc.domain.timeline import TimelineEntry
from tests.unit.query.events import (
    entry,
    erased,
    processed,
    sealed_ingested,
    sealed_processed,
    validated,
)

SECRET_NAME = "Ada Lovelace"


def _stored(timeline: InMemoryTimeline, data_id: str) -> str:
    return repr(timeline.read(data_id))


def _sealed_record(keys: MemoryKeyStore) -> tuple[str, list[TimelineEntry]]:
    key = keys.create(str(uuid.uuid4()))
    events = [
        sealed_ingested(key, 1, {"name": SECRET_NAME, "age": 36}, 0),
        validated(key.data_id, 1, False, 1),  # its message: "too young"
        sealed_processed(key, 1, 2),
    ]
    return key.data_id, EntryOpener(keys).entries(events)


class FailingScrubOnce(InMemoryTimeline):
    """A timeline whose first scrub fails, as if the process stopped between the append and the scrub."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def scrub(self, slots: Sequence[Slot]) -> None:
        if slots and not self.failed:
            self.failed = True
            raise RuntimeError("stopped before scrubbing")
        super().scrub(slots)


def test_a_live_record_keeps_its_opened_payload_in_the_view_and_the_slots() -> None:
    keys = MemoryKeyStore()
    data_id, entries = _sealed_record(keys)
    timeline, views = InMemoryTimeline(), InMemoryRecordViews()
    Projector(timeline, views).apply_many(entries)
    assert views.documents[data_id]["payload"]["name"] == SECRET_NAME
    assert SECRET_NAME in _stored(timeline, data_id) and "too young" in _stored(timeline, data_id)


def test_data_erased_scrubs_every_slot_and_the_view_of_the_record() -> None:
    keys = MemoryKeyStore()
    data_id, entries = _sealed_record(keys)
    timeline, views = InMemoryTimeline(), InMemoryRecordViews()
    projector = Projector(timeline, views)
    projector.apply_many(entries)
    before = [e.event_id for e in timeline.read(data_id)]
    keys.erase(data_id)
    projector.apply_many(EntryOpener(keys).entries([erased(data_id, 1, 5)]))
    stored = timeline.read(data_id)
    assert [e.event_id for e in stored] == [*before, stored[-1].event_id]  # same slots, one more
    assert "Ada" not in repr(stored) and "too young" not in repr(stored)
    assert "hmac-sha256" not in repr(stored)
    view = views.documents[data_id]
    assert (view["status"], view["payload"]) == ("erased", None)
    assert "Ada" not in repr(view) and "LOVELACE" not in repr(view)


def test_the_cache_of_known_timelines_keeps_no_plain_entry_after_the_erasure() -> None:
    keys = MemoryKeyStore()
    data_id, entries = _sealed_record(keys)
    projector = Projector(InMemoryTimeline(), InMemoryRecordViews())
    projector.apply_many(entries)
    projector.apply_many(EntryOpener(keys).entries([erased(data_id, 1, 5)]))
    cached = projector._known.get(data_id)  # the process's memory is a copy of the payload too
    assert len(cached) == 4 and SECRET_NAME not in repr(cached)


def test_an_event_applied_after_the_erasure_is_stored_without_its_payload() -> None:
    # A legacy plain result read back by a rebuild after the record's DataErased, or a late redelivery.
    keys = MemoryKeyStore()
    data_id, entries = _sealed_record(keys)
    timeline = InMemoryTimeline()
    projector = Projector(timeline, InMemoryRecordViews())
    projector.apply_many([*entries, entry(erased(data_id, 1, 5))])
    projector.apply_many([entry(processed(data_id, 1, True, 9))])
    late = timeline.read(data_id)[-1]
    assert late.data["result"] is None and "'v'" not in repr(late.data)


def test_another_processs_cache_learns_of_the_erasure_when_it_next_appends() -> None:
    keys = MemoryKeyStore()
    data_id, entries = _sealed_record(keys)
    timeline, views = InMemoryTimeline(), InMemoryRecordViews()
    first, second = Projector(timeline, views), Projector(timeline, views)
    first.apply_many(entries)  # `first` caches the plain timeline
    second.apply_many([entry(erased(data_id, 1, 5))])
    first.apply_many([entry(processed(data_id, 1, True, 9))])
    assert SECRET_NAME not in repr(first._known.get(data_id))
    assert "'v'" not in _stored(timeline, data_id) and SECRET_NAME not in _stored(timeline, data_id)
    assert views.documents[data_id]["status"] == "erased"


def test_a_redelivered_data_erased_scrubs_what_a_stopped_first_delivery_left() -> None:
    keys = MemoryKeyStore()
    data_id, entries = _sealed_record(keys)
    timeline, views = FailingScrubOnce(), InMemoryRecordViews()
    Projector(timeline, views).apply_many(entries)
    erasure = entry(erased(data_id, 1, 5))
    with pytest.raises(RuntimeError):
        Projector(timeline, views).apply_many([erasure])
    assert SECRET_NAME in _stored(timeline, data_id)  # appended, not yet scrubbed
    assert Projector(timeline, views).apply_many([erasure]) == set()  # a redelivery: nothing new
    assert SECRET_NAME not in _stored(timeline, data_id)
    assert views.documents[data_id]["status"] == "erased"


def test_a_batch_holding_the_submission_and_its_erasure_stores_neither_payload() -> None:
    keys = MemoryKeyStore()
    data_id, entries = _sealed_record(keys)
    timeline, views = InMemoryTimeline(), InMemoryRecordViews()
    Projector(timeline, views).apply_many([entry(erased(data_id, 1, 5)), *entries])
    assert SECRET_NAME not in _stored(timeline, data_id) and "too young" not in _stored(timeline, data_id)
    assert views.documents[data_id]["status"] == "erased"


class RecordingTimeline(InMemoryTimeline):
    """Keeps every entry ever written to a slot: what a store's freed pages or log could still hold."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[TimelineEntry] = []

    def append(self, data_id: str, slot: int, entry: TimelineEntry) -> bool:
        self.written.append(entry)
        return super().append(data_id, slot, entry)


def test_an_entry_after_the_erasure_is_never_written_with_its_payload_even_for_a_moment() -> None:
    keys = MemoryKeyStore()
    data_id, entries = _sealed_record(keys)
    timeline = RecordingTimeline()
    projector = Projector(timeline, InMemoryRecordViews())
    projector.apply_many([*entries, entry(erased(data_id, 1, 5))])
    timeline.written.clear()
    projector.apply_many([entry(processed(data_id, 1, True, 9))])
    assert len(timeline.written) == 1 and timeline.written[0].data["result"] is None


class ErasingMeanwhile(InMemoryRecordViews):
    """Views whose first write lets another process append the record's DataErased right after it (a new
    record's view is inserted with add_many, which writes through save_many here)."""

    def __init__(self, other: Projector, erasure: TimelineEntry) -> None:
        super().__init__()
        self._other = other
        self._erasure: TimelineEntry | None = erasure

    def save_many(self, views: Sequence[tuple[str, dict[str, object], int]]) -> None:
        super().save_many(views)
        erasure, self._erasure = self._erasure, None
        if erasure is not None:
            self._other.apply_many([erasure])


def test_an_erasure_seen_while_catching_up_leaves_no_plain_entry_in_the_cache() -> None:
    keys = MemoryKeyStore()
    data_id, entries = _sealed_record(keys)
    timeline = InMemoryTimeline()
    other = Projector(timeline, InMemoryRecordViews())
    views = ErasingMeanwhile(other, entry(erased(data_id, 1, 5)))
    projector = Projector(timeline, views)
    projector.apply_many(entries)  # the view written, `other` erases, the check catches up with it
    cached = projector._known.get(data_id)
    assert len(cached) == 4 and SECRET_NAME not in repr(cached)
    assert views.documents[data_id]["status"] == "erased"
