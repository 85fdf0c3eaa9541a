"""Sealing and opening the payload-bearing fields of integration events under a record's data key."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from contracts import DataErased, DataIngested, DataProcessed, IntegrationEvent, JsonObject, ProcessingStep
from eventkit.sealing.cipher import DataKey, keyed_content_hash, open_sealed, seal
from eventkit.sealing.keys import DataKeys, KeyLookup

_log = logging.getLogger(__name__)

PAYLOAD = "payload"  # the purpose a DataIngested payload is sealed for
PROCESSING = "processing"  # the purpose of DataProcessed's result and step details


def is_sealed(event: IntegrationEvent) -> bool:
    """Whether the event carries a sealed field (and so needs its record's key to be read)."""
    data = event.data
    if isinstance(data, DataIngested):
        return data.sealed_payload is not None
    return isinstance(data, DataProcessed) and data.sealed_details is not None


def batch_keys(keys: DataKeys, events: Sequence[IntegrationEvent]) -> KeyLookup:
    """The keys a consumer's batch needs, in one lookup of the records whose events are sealed (none for
    plain ones), after forgetting the cached keys of the records the batch erases: a key must not outlive
    its record. KeysUnavailable when the key store cannot be asked."""
    for event in events:
        if isinstance(event.data, DataErased):
            keys.forget(event.data_id)
    sealed = sorted({event.data_id for event in events if is_sealed(event)})
    return keys.lookup(sealed) if sealed else KeyLookup()


def readable_ingested(
    events: Sequence[IntegrationEvent], lookup: KeyLookup
) -> Iterator[tuple[int, IntegrationEvent, JsonObject]]:
    """Each DataIngested of a batch whose payload can be read, with its position in the batch and its
    payload; an erased (or unknown) record's is passed over with a log line, other event types silently."""
    for index, event in enumerate(events):
        if not isinstance(event.data, DataIngested):
            continue
        payload = ingested_payload(event, lookup)
        if payload is None:
            _log.info("record %s v%s is erased: passed over", event.data_id, event.record_version)
            continue
        yield index, event, payload


def sealed_ingested(
    key: DataKey, payload: JsonObject, received_at: Any, external_id: str | None
) -> DataIngested:
    """DataIngested with the payload sealed and the content hash keyed, as ingestion publishes it."""
    return DataIngested(
        payload=None,
        received_at=received_at,
        content_hash=keyed_content_hash(key, payload),
        external_id=external_id,
        sealed_payload=seal(key, PAYLOAD, payload),
    )


def ingested_payload(event: IntegrationEvent, lookup: KeyLookup) -> JsonObject | None:
    """The payload of a DataIngested event: plain as written before sealing, or opened with the record's
    key; None when the key was destroyed (the record is erased) or is unknown."""
    data = event.data
    if not isinstance(data, DataIngested):
        raise TypeError(f"expected DataIngested, got {event.event_type}")
    if data.payload is not None:
        return data.payload
    key = lookup.key_for(event.data_id)
    if key is None or data.sealed_payload is None:
        return None
    opened = open_sealed(key, PAYLOAD, data.sealed_payload)
    if not isinstance(opened, dict):
        raise TypeError(f"the sealed payload of record {event.data_id} is not an object")
    return opened


def sealed_processed(key: DataKey, data: DataProcessed) -> DataProcessed:
    """DataProcessed with its result and every step's details sealed together."""
    details = {"result": data.result, "extras": [step.extra for step in data.steps]}
    return dataclasses.replace(
        data,
        result=None,
        steps=tuple(dataclasses.replace(step, extra={}) for step in data.steps),
        sealed_details=seal(key, PROCESSING, details),
    )


def opened_processed(data: DataProcessed, key: DataKey | None) -> DataProcessed | None:
    """DataProcessed with its result and step details opened (as is when not sealed); None without a key."""
    if data.sealed_details is None:
        return data
    if key is None:
        return None
    details = open_sealed(key, PROCESSING, data.sealed_details)
    if not isinstance(details, dict) or len(details.get("extras", ())) != len(data.steps):
        raise TypeError(f"the sealed details of record {key.data_id} do not match its steps")
    steps: tuple[ProcessingStep, ...] = tuple(
        dataclasses.replace(step, extra=extra)
        for step, extra in zip(data.steps, details["extras"], strict=True)
    )
    return dataclasses.replace(data, result=details["result"], steps=steps, sealed_details=None)
