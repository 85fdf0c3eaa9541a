"""Reads of processing's own store for the HTTP edge."""

from __future__ import annotations

import dataclasses

from eventkit.eventstore.model import StoredEvent
from eventkit.sealing.keys import DataKeys
from processing_svc.application.ports import UnitOfWorkFactory
from processing_svc.application.step_events import is_sealed, opened_details
from processing_svc.domain.errors import RecordNotFound


class ProcessingQueries:
    """Answers reads of the step events, confined to the caller's partner."""

    def __init__(self, uow_factory: UnitOfWorkFactory, keys: DataKeys) -> None:
        self._uow_factory = uow_factory
        self._keys = keys

    def history(self, record_id: str, partner_scope: str | None) -> list[StoredEvent]:
        """Returns a record's step events, oldest first, their details in plain (opened with one key lookup
        when sealed; None, with `erased` true, once the record is erased); RecordNotFound also for another
        partner's record. KeysUnavailable when the key store does not answer."""
        with self._uow_factory() as uow:
            events = uow.events.read_stream(record_id)
        if not events or (
            partner_scope is not None and events[0].metadata.get("partner_id") != partner_scope
        ):
            raise RecordNotFound(record_id)
        if not any(is_sealed(event.data) for event in events):
            return events
        key = self._keys.lookup([record_id]).key_for(record_id)
        return [dataclasses.replace(event, data=opened_details(event.data, key)) for event in events]
