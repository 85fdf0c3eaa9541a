"""Opening sealed events into timeline entries: one key lookup per batch, for the sealed events only."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from eventkit.sealing.cipher import SealBroken
from eventkit.sealing.keys import CachedDataKeys, KeysUnavailable, MemoryKeyStore, NoKeyStore
from query_svc.application.opening import EntryOpener
from query_svc.domain.erasure import UNREADABLE
from tests.unit.query.events import erased, ingested, lifecycle, processed, sealed_ingested, sealed_processed


def test_a_batch_of_sealed_events_opens_with_one_lookup_into_plain_entries() -> None:
    keys = MemoryKeyStore()
    first, second = keys.create(str(uuid.uuid4())), keys.create(str(uuid.uuid4()))
    events = [
        sealed_ingested(first, 1, {"name": "Ada"}, 0),
        sealed_ingested(second, 1, {"name": "Grace"}, 0),
        sealed_processed(first, 1, 2),
    ]
    entries = EntryOpener(keys).entries(events)
    assert keys.lookups == 1
    assert entries[0].data["payload"] == {"name": "Ada"} and entries[0].data["sealed_payload"] is None
    assert entries[1].data["payload"] == {"name": "Grace"}
    assert entries[2].data["result"] == {"v": 1, "name_upper": "ADA LOVELACE"}
    assert entries[2].data["steps"][0]["extra"] == {"seen": "Ada Lovelace"}
    assert entries[2].data["sealed_details"] is None
    assert not any(UNREADABLE in e.data for e in entries)


def test_plain_events_need_no_key_store() -> None:
    keys = MemoryKeyStore()
    entries = EntryOpener(keys).entries(lifecycle())
    assert keys.lookups == 0
    assert entries[0].data["payload"] == {"name": "Ada", "age": 12}
    assert EntryOpener(NoKeyStore()).entries(lifecycle())[3].data["payload"] == {"name": "Ada", "age": 30}


def test_a_sealed_event_without_a_key_store_is_an_outage_not_an_erasure() -> None:
    key = MemoryKeyStore().create(str(uuid.uuid4()))
    with pytest.raises(KeysUnavailable):
        EntryOpener(NoKeyStore()).entries([sealed_ingested(key, 1, {"name": "Ada"}, 0)])


def test_an_erased_key_leaves_the_entry_without_payload_result_or_ciphertext() -> None:
    keys = MemoryKeyStore()
    key = keys.create(str(uuid.uuid4()))
    events = [sealed_ingested(key, 1, {"name": "Ada"}, 0), sealed_processed(key, 1, 2)]
    keys.erase(key.data_id)
    submitted, result = EntryOpener(keys).entries(events)
    assert submitted.data == {"payload": None, "received_at": submitted.data["received_at"], UNREADABLE: True}
    assert result.data["result"] is None and result.data[UNREADABLE] is True
    assert "sealed_details" not in result.data
    assert (submitted.event_id, result.event_id) == (events[0].event_id, events[1].event_id)


def test_a_data_erased_in_the_batch_drops_the_cached_key_first() -> None:
    store = MemoryKeyStore()
    key = store.create(str(uuid.uuid4()))
    keys = CachedDataKeys(store.lookup)
    opener = EntryOpener(keys)
    assert opener.entries([sealed_ingested(key, 1, {"name": "Ada"}, 0)])[0].data["payload"] == {"name": "Ada"}
    store.erase(key.data_id)  # ingestion destroys the key and publishes DataErased
    late_result = sealed_processed(key, 1, 2)
    _, opened = opener.entries([erased(key.data_id, 1, 5), late_result])
    assert opened.data["result"] is None and opened.data[UNREADABLE] is True


def test_a_ciphertext_sealed_for_another_record_does_not_open() -> None:
    keys = MemoryKeyStore()
    key, other = keys.create(str(uuid.uuid4())), keys.create(str(uuid.uuid4()))
    moved = sealed_ingested(key, 1, {"name": "Ada"}, 0)
    forged = dataclasses.replace(ingested(other.data_id, 1, {"x": 1}, 0), data=moved.data)
    with pytest.raises(SealBroken):
        EntryOpener(keys).entries([forged])


def test_plain_and_sealed_events_mix_in_one_batch() -> None:
    keys = MemoryKeyStore()
    key = keys.create(str(uuid.uuid4()))
    legacy = processed(key.data_id, 1, True, 3)
    entries = EntryOpener(keys).entries([sealed_ingested(key, 1, {"name": "Ada"}, 0), legacy])
    assert keys.lookups == 1
    assert entries[1].data["result"] == {"v": 1}
