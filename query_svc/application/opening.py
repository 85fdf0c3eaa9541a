"""Turns decoded events into timeline entries, opening their sealed fields with the records' data keys.

The view keeps the payload in plain while the record lives (filters, sorts and indexes need it there; see
docs/adr/0006-erasure-by-crypto-shredding.md). A batch asks the key store once, for the records of its
sealed events only: plain (legacy) events need no key. An entry whose key was destroyed or is unknown is
kept without its payload (domain.erasure), and a record's DataErased drops its cached key at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts import DataIngested, DataProcessed, IntegrationEvent, to_dict
from eventkit.sealing.events import batch_keys, ingested_payload, is_sealed, opened_processed
from eventkit.sealing.keys import DataKeys, KeyLookup
from query_svc.application.projector import entry_from_wire
from query_svc.domain.erasure import scrubbed
from query_svc.domain.timeline import TimelineEntry


class EntryOpener:
    """Opens the sealed fields of a batch of events with one lookup of data keys."""

    def __init__(self, keys: DataKeys) -> None:
        self._keys = keys

    def entries(self, events: Sequence[IntegrationEvent]) -> list[TimelineEntry]:
        """The events' entries, opened; KeysUnavailable when the key store cannot be asked."""
        lookup = self.lookup(events)
        return [self.entry(event, lookup) for event in events]

    def lookup(self, events: Sequence[IntegrationEvent]) -> KeyLookup:
        """The keys of the records whose events are sealed, after forgetting those the batch erases."""
        return batch_keys(self._keys, events)

    def entry(self, event: IntegrationEvent, lookup: KeyLookup) -> TimelineEntry:
        """One event's entry; SealBroken (or TypeError) when a sealed field does not open as it should."""
        wire = to_dict(event)
        if not is_sealed(event):
            return entry_from_wire(wire, event.occurred_at)
        data: dict[str, Any] = dict(wire["data"])
        opened = _opened(event, data, lookup)
        entry = entry_from_wire({**wire, "data": opened or data}, event.occurred_at)
        return entry if opened is not None else scrubbed(entry)


def _opened(event: IntegrationEvent, data: dict[str, Any], lookup: KeyLookup) -> dict[str, Any] | None:
    """The wire data with its sealed field opened in place (the ciphertext dropped); None without a key."""
    if isinstance(event.data, DataIngested):
        payload = ingested_payload(event, lookup)
        return None if payload is None else {**data, "payload": payload, "sealed_payload": None}
    assert isinstance(event.data, DataProcessed)
    processed = opened_processed(event.data, lookup.key_for(event.data_id))
    if processed is None:
        return None
    extras = [step.extra for step in processed.steps]
    steps = [{**step, "extra": extra} for step, extra in zip(data["steps"], extras, strict=True)]
    return {**data, "result": processed.result, "steps": steps, "sealed_details": None}
