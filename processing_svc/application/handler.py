"""The use case: run one DataIngested through the pipeline, keeping steps, inbox and outbox together."""

from __future__ import annotations

import logging

from contracts import DataIngested, IntegrationEvent
from processing_svc.application.integration import data_processed_message
from processing_svc.application.ports import UnitOfWorkFactory
from processing_svc.application.step_events import processed_versions, step_events
from processing_svc.domain.pipeline import Pipeline
from processing_svc.domain.steps.base import Work

log = logging.getLogger(__name__)

# The inbox's consumer name: every copy of the service shares it, so one handling counts for all.
CONSUMER = "processing_svc"


class ProcessRecord:
    """Handles DataIngested; safe to call from several threads (each call opens its own unit of work)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, pipeline: Pipeline, topic: str) -> None:
        self._uow_factory = uow_factory
        self._pipeline = pipeline
        self._topic = topic

    def __call__(self, event: IntegrationEvent) -> None:
        """Processes the event once; store errors propagate so the consumer retries it."""
        if not isinstance(event.data, DataIngested):
            return  # another event type on the topic: a tolerant reader ignores it
        with self._uow_factory() as uow:
            if not uow.inbox.mark_handled(CONSUMER, event.event_id):
                return  # a redelivery: its effect is already committed
            history = uow.events.read_stream(event.data_id)
            if event.record_version in processed_versions(history):
                # The same version announced again under a new event id: its results stand.
                uow.commit()
                return
            work = Work(event.data_id, event.partner_id, event.record_version, event.data.payload)
            run = self._pipeline.run(work, uow.duplicates)
            uow.events.append(event.data_id, len(history), step_events(run, event))
            uow.outbox.add([data_processed_message(run, event, self._topic)])
            uow.commit()
        if not run.succeeded:
            log.info("record %s v%s failed processing: %s", event.data_id, event.record_version, run.failure)
