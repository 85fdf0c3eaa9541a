"""The use case on sealed records: payloads opened with one key lookup per batch, step details and
DataProcessed sealed exactly when the input was, erased records acknowledged without steps, DataErased
releasing the record's fingerprints, and no payload value in a log line."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable

import pytest

from contracts import DataProcessed, Sealed
from eventkit.sealing.cipher import DataKey, open_sealed
from eventkit.sealing.events import opened_processed
from eventkit.sealing.keys import CachedDataKeys, KeyLookup, KeysUnavailable
from processing_svc.application.handler import ProcessRecord
from processing_svc.application.step_events import STEP_DETAILS
from processing_svc.domain.pipeline import Pipeline, default_steps
from processing_svc.domain.steps.quality import ExpectedFields
from tests.lifecycle_events import erased, sealed
from tests.unit.processing.support import ingested
from tests.unit.processing.test_handler import TOPIC, Harness

ADA = {"name": " Ada  Lovelace ", "age": 36, "attributes": {"lab": "Analytical Engine"}}


@pytest.fixture
def harness() -> Harness:
    return Harness()


def new_key(harness: Harness) -> DataKey:
    return harness.keys.create(str(uuid.uuid4()))


def stored_details(harness: Harness, data_id: str) -> list[object]:
    return [e.data.get("details") for e in harness.database.events if e.stream_id == data_id]


def test_a_sealed_record_keeps_and_publishes_its_details_sealed(harness: Harness) -> None:
    key, plain, reference = new_key(harness), ingested(ADA), Harness()
    harness.handle(sealed(key, ADA))
    reference.handle(plain)
    steps = [e for e in harness.database.events if e.stream_id == key.data_id]
    assert [e.data["step"] for e in steps] == ["normalize", "enrich", "fingerprint", "quality"]
    assert all("details" not in e.data and e.data["record_version"] == 1 for e in steps)
    opened = [open_sealed(key, STEP_DETAILS, Sealed(**e.data["sealed_details"])) for e in steps]
    assert opened == stored_details(reference, plain.data_id)  # what the same payload gives in plain
    [out] = harness.processed(key.data_id)
    assert out.result is None and out.sealed_details is not None and all(s.extra == {} for s in out.steps)
    shown = opened_processed(out, key)
    assert shown is not None and shown.result is not None
    assert shown.result["payload"]["name"] == "Ada Lovelace"
    assert shown.steps[1].extra["age_group"] == "adult"
    text = json.dumps([dict(e.data) for e in steps]) + json.dumps(
        [m.payload.decode() for m in harness.database.outbox[:1]]
    )
    assert "Lovelace" not in text and "Analytical" not in text and "adult" not in text


def test_a_batch_asks_for_keys_once_and_plain_records_need_none(harness: Harness) -> None:
    harness.handle.handle_batch([ingested(ADA), ingested({"name": "Bo"})])
    assert harness.keys.lookups == 0
    harness.handle.handle_batch([sealed(new_key(harness), ADA) for _ in range(3)])
    assert harness.keys.lookups == 1
    assert len(harness.published()) == 5


def test_a_plain_legacy_record_stays_plain(harness: Harness) -> None:
    event = ingested(ADA)
    harness.handle(event)
    assert stored_details(harness, event.data_id)[1] == {
        "field_count": 3, "attribute_count": 1, "payload_bytes": 73, "age_group": "adult"
    }  # fmt: skip
    [out] = harness.processed(event.data_id)
    assert out.sealed_details is None and out.result is not None


def test_an_erased_or_unknown_record_gets_no_steps_and_no_data_processed(harness: Harness) -> None:
    gone = sealed(new_key(harness), ADA)
    harness.keys.erase(gone.data_id)
    unknown = sealed(DataKey.new(str(uuid.uuid4())), ADA)
    harness.handle.handle_batch([gone, unknown])
    assert harness.database.events == [] and harness.published() == [] and harness.claims == {}


def test_a_version_announced_again_is_not_run_again(harness: Harness) -> None:
    key = new_key(harness)
    harness.handle(sealed(key, ADA))
    harness.handle(sealed(key, {"name": "Ada"}))  # version 1 again under a new event id
    assert len(stored_details(harness, key.data_id)) == 4 and len(harness.published()) == 1


def test_data_erased_releases_the_records_fingerprints_and_is_marked_handled(harness: Harness) -> None:
    key, other = new_key(harness), ingested({"name": "Bo"})
    harness.handle.handle_batch([sealed(key, ADA), sealed(key, {"name": "Ada"}, version=2), other])
    assert sorted(harness.claims.values()) == sorted([key.data_id, key.data_id, other.data_id])
    erasure = erased(key.data_id, version=2)
    harness.handle(erasure)
    assert list(harness.claims.values()) == [other.data_id]
    assert ("processing_svc", erasure.event_id) in harness.database.handled
    assert len(harness.published()) == 3  # no DataProcessed for an erasure
    # Another record with the erased record's content is no duplicate of anything.
    again = sealed(new_key(harness), ADA)
    harness.handle(again)
    [out] = harness.processed(again.data_id)
    shown = opened_processed(out, harness.keys.lookup([again.data_id]).key_for(again.data_id))
    assert shown is not None and shown.steps[2].extra["duplicate_of"] is None


def test_data_erased_drops_the_cached_key(harness: Harness) -> None:
    key = new_key(harness)
    handler = ProcessRecord(
        harness.uow,
        Pipeline(default_steps(ExpectedFields(("name",)))),
        TOPIC,
        CachedDataKeys(harness.keys.lookup),
    )
    handler(sealed(key, ADA))  # the key is cached now
    harness.keys.erase(key.data_id)
    handler(erased(key.data_id))
    handler(sealed(key, {"name": "Ada"}, version=2))  # redelivered after the erasure: no key any more
    assert [e.data["record_version"] for e in harness.database.events] == [1, 1, 1, 1]


def test_data_erased_and_other_event_types_alone_ask_for_no_key(harness: Harness) -> None:
    harness.handle(erased(str(uuid.uuid4())))
    assert harness.keys.lookups == 0 and harness.database.events == []


class Unreachable:
    """A key store that does not answer."""

    def lookup(self, data_ids: Iterable[str]) -> KeyLookup:
        raise KeysUnavailable("the key store did not answer")

    def forget(self, data_id: str) -> None:
        """Nothing is cached here."""


def test_an_unreachable_key_store_fails_the_whole_batch(harness: Harness) -> None:
    handler = ProcessRecord(
        harness.uow, Pipeline(default_steps(ExpectedFields(("name",)))), TOPIC, Unreachable()
    )
    with pytest.raises(KeysUnavailable):
        handler.handle_batch([ingested(ADA), sealed(DataKey.new(str(uuid.uuid4())), ADA)])
    assert harness.database.events == [] and harness.database.handled == set() and harness.claims == {}


def test_a_rejected_records_log_line_names_the_step_not_the_value(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    key = new_key(harness)
    caplog.set_level(logging.INFO, logger="processing_svc")
    harness.handle.handle_batch(
        [sealed(key, {"name": "Ada", "age": 987654}), ingested({"e\u0301": 1, "\u00e9": 2})]
    )
    lines = [record.getMessage() for record in caplog.records]
    assert any("failed processing at step enrich" in line for line in lines), lines
    assert any("failed processing at step normalize" in line for line in lines), lines
    assert not [line for line in lines if "987654" in line or "\u00e9" in line], lines
    [out] = harness.processed(key.data_id)
    shown = opened_processed(out, key)
    assert isinstance(shown, DataProcessed) and shown.result == {
        "step": "enrich", "reason": "age must be a number from 0 to 150, got 987654"
    }  # fmt: skip
