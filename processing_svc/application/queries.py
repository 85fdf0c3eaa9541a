"""Reads of processing's own store for the HTTP edge."""

from __future__ import annotations

from eventkit.eventstore.model import StoredEvent
from processing_svc.application.ports import UnitOfWorkFactory
from processing_svc.domain.errors import RecordNotFound


class ProcessingQueries:
    """Answers reads of the step events, confined to the caller's partner."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def history(self, record_id: str, partner_scope: str | None) -> list[StoredEvent]:
        """Returns a record's step events, oldest first; RecordNotFound also for another partner's record."""
        with self._uow_factory() as uow:
            events = uow.events.read_stream(record_id)
        if not events or (
            partner_scope is not None and events[0].metadata.get("partner_id") != partner_scope
        ):
            raise RecordNotFound(record_id)
        return events
