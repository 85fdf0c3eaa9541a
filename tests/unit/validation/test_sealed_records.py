"""The DataIngested handler on sealed records: payloads opened with one key lookup per batch, erased
records acknowledged without a run, DataErased dropping the cached key, and nothing of a sealed payload
(no value, no member name) in the log or in DataValidated."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

import pytest

from contracts import DataValidated, decode
from eventkit.sealing.keys import CachedDataKeys, KeyLookup, KeysUnavailable, MemoryKeyStore
from tests.lifecycle_events import erased, sealed
from tests.unit.validation.events import ingested
from tests.unit.validation.rule_books import shipped
from validation_svc.adapters.entries import entry_fields
from validation_svc.adapters.memory import InMemoryValidationLog
from validation_svc.application.handler import ValidateRecord

TOPIC = "persistent://public/default/data-validated"
# The shipped rules check `attributes.*`: a member that is no scalar fails under its partner-chosen name.
SECRET_PAYLOAD = {"name": "Quentin Secretname", "age": 200, "attributes": {"diagnosis-hiv": ["positive"]}}
SECRET_BITS = ("Quentin", "Secretname", "diagnosis-hiv", "positive")


@pytest.fixture
def store() -> MemoryKeyStore:
    return MemoryKeyStore()


@pytest.fixture
def log() -> InMemoryValidationLog:
    return InMemoryValidationLog()


def handler_on(log: InMemoryValidationLog, keys: MemoryKeyStore | CachedDataKeys) -> ValidateRecord:
    return ValidateRecord(shipped(), log, TOPIC, keys)


def verdicts(log: InMemoryValidationLog) -> list[DataValidated]:
    found = [decode(message.payload).data for message in log.outbox]
    assert all(isinstance(data, DataValidated) for data in found)
    return [data for data in found if isinstance(data, DataValidated)]


def stored_text(log: InMemoryValidationLog) -> str:
    """Everything the log would write to Redis: the entries as stored and the outbox's payloads."""
    entries = [entry_fields(recorded.entry) for recorded in log.global_log]
    return "\n".join([*entries, *(message.payload.decode() for message in log.outbox)])


def test_a_sealed_record_is_validated_as_its_opened_payload(
    store: MemoryKeyStore, log: InMemoryValidationLog
) -> None:
    event = sealed(store.create(str(uuid.uuid4())), {"age": 200}, version=2)
    assert handler_on(log, store).handle(event) is True
    [verdict] = verdicts(log)
    assert [(e.rule, e.field) for e in verdict.errors] == [("required", "name"), ("range", "age")]
    assert [r.entry.record_version for r in log.record_log(event.data_id)] == [2, 2, 2, 2]


def test_a_batch_asks_for_keys_once_and_only_for_its_sealed_records(
    store: MemoryKeyStore, log: InMemoryValidationLog
) -> None:
    batch = [sealed(store.create(str(uuid.uuid4())), {"name": f"r{i}"}) for i in range(3)]
    assert handler_on(log, store).handle_batch([*batch, ingested()]) == [True] * 4
    assert store.lookups == 1
    assert [v.is_valid for v in verdicts(log)] == [True] * 4


def test_plain_legacy_records_need_no_key(store: MemoryKeyStore, log: InMemoryValidationLog) -> None:
    assert handler_on(log, store).handle_batch([ingested(), ingested({"age": 200})]) == [True, True]
    assert store.lookups == 0
    assert [v.is_valid for v in verdicts(log)] == [True, False]


def test_an_erased_or_unknown_record_is_acknowledged_without_a_run(
    store: MemoryKeyStore, log: InMemoryValidationLog
) -> None:
    gone = sealed(store.create(str(uuid.uuid4())), {"name": "Ada"})
    store.erase(gone.data_id)
    unknown = sealed(MemoryKeyStore().create(str(uuid.uuid4())), {"name": "Ada"})
    live = sealed(store.create(str(uuid.uuid4())), {"name": "Ada"})
    assert handler_on(log, store).handle_batch([gone, unknown, live]) == [False, False, True]
    assert log.record_log(gone.data_id) == [] and log.record_log(unknown.data_id) == []
    assert [decode(m.payload).causation_id for m in log.outbox] == [live.event_id]


def test_data_erased_is_no_run_and_drops_the_cached_key(
    store: MemoryKeyStore, log: InMemoryValidationLog
) -> None:
    key = store.create(str(uuid.uuid4()))
    handler = handler_on(log, CachedDataKeys(store.lookup))
    assert handler.handle(sealed(key, {"name": "Ada"})) is True  # the key is cached now
    store.erase(key.data_id)
    assert handler.handle(erased(key.data_id)) is False
    # A redelivered version after the erasure: the cached key was dropped, so it finds none.
    assert handler.handle(sealed(key, {"name": "Ada"}, version=2)) is False
    assert [r.entry.record_version for r in log.record_log(key.data_id)] == [1, 1]
    assert len(log.outbox) == 1


class Unreachable:
    """A key store that does not answer."""

    def lookup(self, data_ids: Iterable[str]) -> KeyLookup:
        raise KeysUnavailable("the key store did not answer")

    def forget(self, data_id: str) -> None:
        """Nothing is cached here."""


def test_an_unreachable_key_store_fails_the_batch_and_logs_nothing(log: InMemoryValidationLog) -> None:
    event = sealed(MemoryKeyStore().create(str(uuid.uuid4())), {"name": "Ada"})
    with pytest.raises(KeysUnavailable):
        ValidateRecord(shipped(), log, TOPIC, Unreachable()).handle_batch([ingested(), event])
    assert log.global_log == [] and log.outbox == []


def test_a_sealed_records_failures_quote_no_value_and_name_no_member(
    store: MemoryKeyStore, log: InMemoryValidationLog
) -> None:
    event = sealed(store.create(str(uuid.uuid4())), SECRET_PAYLOAD)
    handler_on(log, store).handle(event)
    [verdict] = verdicts(log)
    assert [(e.rule, e.field) for e in verdict.errors] == [("range", "age"), ("type", "attributes.*")]
    text = stored_text(log)
    assert not [bit for bit in SECRET_BITS if bit in text], text


def test_a_plain_legacy_records_failures_still_name_the_member(
    store: MemoryKeyStore, log: InMemoryValidationLog
) -> None:
    handler_on(log, store).handle(ingested(SECRET_PAYLOAD))
    [verdict] = verdicts(log)
    assert [e.field for e in verdict.errors] == ["age", "attributes.diagnosis-hiv"]
    assert "diagnosis-hiv" in json.dumps([e.detail for e in (r.entry for r in log.global_log)])
