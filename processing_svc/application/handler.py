"""The use case: run DataIngested events through the pipeline, keeping steps, inbox and outbox together."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from contracts import DataIngested, IntegrationEvent
from eventkit.eventstore.model import StreamAppend
from processing_svc.application.integration import data_processed_message
from processing_svc.application.ports import ProcessingUnitOfWork, UnitOfWorkFactory
from processing_svc.application.step_events import processed_versions, step_events
from processing_svc.domain.pipeline import Pipeline, PipelineRun
from processing_svc.domain.steps.base import Work

log = logging.getLogger(__name__)

# The inbox's consumer name: every copy of the service shares it, so one handling counts for all.
CONSUMER = "processing_svc"


class ProcessRecord:
    """Handles DataIngested events, one or a batch per transaction; safe to call from several threads
    (each call opens its own unit of work)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, pipeline: Pipeline, topic: str) -> None:
        self._uow_factory = uow_factory
        self._pipeline = pipeline
        self._topic = topic

    def __call__(self, event: IntegrationEvent) -> None:
        """Processes the event once; store errors propagate so the consumer retries it."""
        self.handle_batch([event])

    def handle_batch(self, events: Sequence[IntegrationEvent]) -> None:
        """Processes a batch in one transaction, in order, with one inbox write, one read of the records'
        streams, one append and one outbox write; each record keeps its own steps and DataProcessed. All or
        nothing: a store error propagates and nothing of the batch is kept."""
        ingested = [event for event in events if isinstance(event.data, DataIngested)]
        if not ingested:
            return  # other event types on the topic: a tolerant reader ignores them
        with self._uow_factory() as uow:
            fresh = _first_deliveries(uow, ingested)
            appends, done = self._run_all(uow, fresh)
            uow.events.append_many(appends)
            uow.outbox.add([data_processed_message(run, event, self._topic) for event, run in done])
            uow.commit()
        for event, run in done:
            if not run.succeeded:
                log.info(
                    "record %s v%s failed processing: %s", event.data_id, event.record_version, run.failure
                )

    def _run_all(
        self, uow: ProcessingUnitOfWork, events: list[IntegrationEvent]
    ) -> tuple[list[StreamAppend], list[tuple[IntegrationEvent, PipelineRun]]]:
        """Runs each record version without results yet through the pipeline, in order: the step events to
        append (after one read of every record's stream) and the runs to announce."""
        read = uow.events.read_streams(list(dict.fromkeys(event.data_id for event in events)))
        streams = {data_id: _Stream(len(h), processed_versions(h)) for data_id, h in read.items()}
        to_run: list[IntegrationEvent] = []
        for event in events:
            versions = streams[event.data_id].versions
            if event.record_version not in versions:  # else announced again under a new id: results stand
                versions.add(event.record_version)
                to_run.append(event)
        runs = self._pipeline.run_all([_work(event) for event in to_run], uow.duplicates)
        appends: list[StreamAppend] = []
        for event, run in zip(to_run, runs, strict=True):
            stream = streams[event.data_id]
            steps = step_events(run, event)
            appends.append(StreamAppend(event.data_id, stream.length, steps))
            stream.length += len(steps)  # a later version of this record in the batch appends after
        return appends, list(zip(to_run, runs, strict=True))


def _work(event: IntegrationEvent) -> Work:
    """The pipeline's view of a DataIngested event: one record version."""
    assert isinstance(event.data, DataIngested)
    return Work(event.data_id, event.partner_id, event.record_version, event.data.payload)


@dataclass
class _Stream:
    """What the batch needs of a record's stream: its length and the versions it holds results for."""

    length: int
    versions: set[int]


def _first_deliveries(uow: ProcessingUnitOfWork, events: list[IntegrationEvent]) -> list[IntegrationEvent]:
    """Marks the events handled and returns those not handled before, each once (redeliveries drop out:
    their effect is already committed)."""
    new = set(uow.inbox.mark_all_handled(CONSUMER, [event.event_id for event in events]))
    fresh = []
    for event in events:
        if event.event_id in new:
            new.discard(event.event_id)  # a second copy in the same batch is a redelivery too
            fresh.append(event)
    return fresh
