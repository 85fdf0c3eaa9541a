"""Reads of ingestion's own store for the HTTP edge: a record as it is or was, its audit trail, and the data
keys other services ask for."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from eventkit.eventstore.model import StoredEvent
from eventkit.sealing.cipher import DataKey
from ingestion_svc.application.ports import UnitOfWorkFactory
from ingestion_svc.application.record_stream import load_record, read_record
from ingestion_svc.application.serialization import PAYLOAD_FIELDS, stored_payload
from ingestion_svc.domain.record import DataRecord


@dataclass(frozen=True)
class KeyAnswer:
    """The live keys of the records asked for, the records whose key was destroyed, and those unknown."""

    keys: dict[str, DataKey]
    erased: list[str]
    unknown: list[str]


class IngestionQueries:
    """Answers reads of records from their events, confined to the caller's partner."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def get(
        self, record_id: str, partner_scope: str | None = None, as_of: datetime | None = None
    ) -> DataRecord:
        """Rebuilds a record from its events, as it was at `as_of` when given."""
        with self._uow_factory() as uow:
            return load_record(uow, record_id, partner_scope, as_of)

    def history(self, record_id: str, partner_scope: str | None = None) -> list[StoredEvent]:
        """Returns the record's audit trail: every stored event in order, each version's payload opened
        while the record lives (never the ciphertext); once it is erased, what happened, by whom and when,
        never what was sent."""
        with self._uow_factory() as uow:
            loaded = read_record(uow, record_id, partner_scope)
        if loaded.record.erased_at is not None:
            return [_without_payload(event) for event in loaded.events]
        return [_opened(event, loaded.key) for event in loaded.events]

    def data_keys(self, data_ids: Sequence[str]) -> KeyAnswer:
        """The data keys of these records, for the services that open their sealed payloads."""
        wanted = list(dict.fromkeys(data_ids))
        with self._uow_factory() as uow:
            stored = uow.keys.get_many(wanted)
        keys = {i: entry.key for i, entry in stored.items() if entry.key is not None}
        erased = [i for i in wanted if i in stored and stored[i].key is None]
        return KeyAnswer(keys, erased, [i for i in wanted if i not in stored])


def _opened(event: StoredEvent, key: DataKey | None) -> StoredEvent:
    if not PAYLOAD_FIELDS & event.data.keys():
        return event
    payload = {"payload": stored_payload(event.data, key)}
    return dataclasses.replace(event, data={**_without_payload(event).data, **payload})


def _without_payload(event: StoredEvent) -> StoredEvent:
    data = {name: value for name, value in event.data.items() if name not in PAYLOAD_FIELDS}
    return dataclasses.replace(event, data=data)
