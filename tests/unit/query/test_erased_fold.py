"""The fold of an erased record: identity, versions, verdicts and times, never the payload or a result."""

from __future__ import annotations

import uuid
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from eventkit.sealing.keys import MemoryKeyStore
from query_svc.application.opening import EntryOpener
from query_svc.domain.timeline import TimelineEntry
from query_svc.domain.view import as_of, fold
from tests.unit.query.events import (
    T0,
    entry,
    erased,
    ingested,
    lifecycle,
    processed,
    sealed_ingested,
    sealed_processed,
    validated,
)

DATA_ID = str(uuid.uuid4())
LIVED = [entry(e) for e in lifecycle(DATA_ID)]  # two plain versions, validated and processed
ERASURE = entry(erased(DATA_ID, 2, 20))
PAYLOAD_WORDS = ("Ada", "'age'", "'v'", "too young", "sha256:")  # payload, result, message, hash


def _holds_payload(value: object) -> bool:
    text = repr(value)
    return any(word in text for word in PAYLOAD_WORDS)


def test_an_erased_record_keeps_its_identity_versions_verdicts_and_times_only() -> None:
    view = fold([*LIVED, ERASURE])
    assert view == {
        "partner_id": "partner123",
        "timestamp": T0,
        "received_at": T0 + timedelta(seconds=10),
        "payload": None,
        "version": 2,
        "status": "erased",
        "erased_at": T0 + timedelta(seconds=20),
        "validation": {
            "status": "valid",
            "errors": [],
            "ruleset_version": "r1",
            "validated_at": T0 + timedelta(seconds=11),
        },
        "processing": {
            "status": "processed",
            "result": None,
            "steps": [],
            "pipeline_version": "p1",
            "processed_at": T0 + timedelta(seconds=12),
        },
        "updated_at": T0 + timedelta(seconds=20),
    }


def test_an_invalid_verdicts_message_is_dropped_with_the_erasure() -> None:
    events = [ingested(DATA_ID, 1, {"name": "Ada"}, 0), validated(DATA_ID, 1, False, 1)]
    view = fold([*(entry(e) for e in events), entry(erased(DATA_ID, 1, 5))])
    assert view["validation"]["status"] == "invalid" and view["validation"]["errors"] == []
    assert not _holds_payload(view)


@settings(max_examples=200, deadline=None)
@given(st.permutations(range(len(LIVED) + 1)))
def test_the_erased_fold_does_not_depend_on_the_order_of_events(order: list[int]) -> None:
    entries = [*LIVED, ERASURE]
    assert fold([entries[i] for i in order]) == fold(entries)


def test_an_erasure_before_any_submission_stays_hidden() -> None:
    assert fold([ERASURE])["status"] == "awaiting"


def test_an_entry_whose_payload_could_not_be_opened_shows_the_record_erased() -> None:
    keys = MemoryKeyStore()
    key = keys.create(DATA_ID)
    events = [sealed_ingested(key, 1, {"name": "Ada"}, 0), sealed_processed(key, 1, 2)]
    keys.erase(DATA_ID)  # the key was destroyed before this consumer saw the events
    view = fold(EntryOpener(keys).entries(events))
    assert (view["status"], view["payload"], view["erased_at"]) == ("erased", None, None)
    assert view["processing"]["result"] is None
    assert view["processing"]["steps"] == [
        {"name": "normalize", "version": "1", "status": "succeeded", "extra": {}}
    ]


def test_a_record_whose_current_version_opens_is_not_erased() -> None:
    keys = MemoryKeyStore()
    key = keys.create(DATA_ID)
    view = fold(EntryOpener(keys).entries([sealed_ingested(key, 1, {"name": "Ada"}, 0)]))
    assert (view["status"], view["payload"]) == ("received", {"name": "Ada"})


def test_as_of_before_the_erasure_shows_no_payload_and_no_result() -> None:
    entries = [*LIVED, ERASURE]
    before = as_of(entries, T0 + timedelta(seconds=12))
    assert before is not None and before["version"] == 2
    assert before["payload"] is None and before["processing"]["result"] is None
    assert not _holds_payload(before)
    after = as_of(entries, T0 + timedelta(seconds=30))
    assert after is not None and after["status"] == "erased" and after["erased_at"] is not None


def test_as_of_a_record_never_erased_still_shows_its_payload() -> None:
    view = as_of(LIVED, T0 + timedelta(seconds=12))
    assert view is not None and view["payload"] == {"name": "Ada", "age": 30}
    assert _holds_payload(view)  # what the checks above look for is there while the record lives


def test_processing_steps_details_are_dropped_from_a_plain_result_too() -> None:
    plain = entry(processed(DATA_ID, 1, True, 2))
    step = {"name": "s", "version": "1", "status": "succeeded", "extra": {"copy": "Ada"}}
    with_steps = TimelineEntry(**{**plain.__dict__, "data": {**plain.data, "steps": [step]}})
    view = fold([entry(ingested(DATA_ID, 1, {"name": "Ada"}, 0)), with_steps, entry(erased(DATA_ID, 1, 5))])
    assert view["processing"]["steps"] == [{**step, "extra": {}}]
    assert not _holds_payload(view)
