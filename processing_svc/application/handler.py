"""The use case: run DataIngested events through the pipeline, keeping steps, inbox and outbox together."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from contracts import DataErased, IntegrationEvent, JsonObject
from eventkit.eventstore.model import StreamAppend
from eventkit.sealing.cipher import DataKey
from eventkit.sealing.events import batch_keys, is_sealed, readable_ingested
from eventkit.sealing.keys import DataKeys, KeyLookup
from processing_svc.application.integration import data_processed_message
from processing_svc.application.ports import ProcessingUnitOfWork, UnitOfWorkFactory
from processing_svc.application.step_events import processed_versions, step_events
from processing_svc.domain.pipeline import Pipeline, PipelineRun
from processing_svc.domain.steps.base import Work

log = logging.getLogger(__name__)

# The inbox's consumer name: every copy of the service shares it, so one handling counts for all.
CONSUMER = "processing_svc"


@dataclass(frozen=True)
class _Opened:
    """A DataIngested with its payload in plain, and its record's key when it came sealed."""

    event: IntegrationEvent
    payload: JsonObject
    key: DataKey | None


class ProcessRecord:
    """Handles DataIngested events, one or a batch per transaction, and the DataErased that follow them on
    the same topic; safe to call from several threads (each call opens its own unit of work)."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, pipeline: Pipeline, topic: str, keys: DataKeys
    ) -> None:
        self._uow_factory = uow_factory
        self._pipeline = pipeline
        self._topic = topic
        self._keys = keys

    def __call__(self, event: IntegrationEvent) -> None:
        """Processes the event once; store and key store errors propagate so the consumer retries it."""
        self.handle_batch([event])

    def handle_batch(self, events: Sequence[IntegrationEvent]) -> None:
        """Processes a batch in one transaction, in order, after one key lookup for its sealed records, with
        one inbox write, one read of the records' streams, one append and one outbox write; each record
        keeps its own steps and DataProcessed, sealed when its DataIngested was. An erased or unknown record
        is acknowledged without steps; a DataErased releases the record's fingerprints. All or nothing: a
        store error or KeysUnavailable propagates and nothing of the batch is kept."""
        erasures = [event for event in events if isinstance(event.data, DataErased)]
        opened = _opened(events, batch_keys(self._keys, events))
        if not opened and not erasures:
            return  # other event types on the topic, or only erased records: a tolerant reader
        with self._uow_factory() as uow:
            fresh = _first_deliveries(uow, [*(o.event for o in opened.values()), *erasures])
            appends, done = self._run_all(uow, [opened[e.event_id] for e in fresh if e.event_id in opened])
            uow.events.append_many(appends)
            uow.outbox.add([data_processed_message(run, o.event, self._topic, o.key) for o, run in done])
            uow.duplicates.release([(e.partner_id, e.data_id) for e in fresh if e.event_id not in opened])
            uow.commit()
        for o, run in done:
            if not run.succeeded:  # the reason stays in the (sealed) details: it may quote the payload
                log.info(
                    "record %s v%s failed processing at step %s",
                    o.event.data_id,
                    o.event.record_version,
                    run.rejected_by,
                )

    def _run_all(
        self, uow: ProcessingUnitOfWork, records: list[_Opened]
    ) -> tuple[list[StreamAppend], list[tuple[_Opened, PipelineRun]]]:
        """Runs each record version without results yet through the pipeline, in order: the step events to
        append (after one read of every record's stream) and the runs to announce."""
        read = uow.events.read_streams(list(dict.fromkeys(o.event.data_id for o in records)))
        streams = {data_id: _Stream(len(h), processed_versions(h)) for data_id, h in read.items()}
        to_run: list[_Opened] = []
        for record in records:
            versions = streams[record.event.data_id].versions
            if record.event.record_version not in versions:  # else announced again under a new id
                versions.add(record.event.record_version)
                to_run.append(record)
        runs = self._pipeline.run_all([_work(record) for record in to_run], uow.duplicates)
        appends: list[StreamAppend] = []
        for record, run in zip(to_run, runs, strict=True):
            stream = streams[record.event.data_id]
            steps = step_events(run, record.event, record.key)
            appends.append(StreamAppend(record.event.data_id, stream.length, steps))
            stream.length += len(steps)  # a later version of this record in the batch appends after
        return appends, list(zip(to_run, runs, strict=True))


def _opened(events: Sequence[IntegrationEvent], keys: KeyLookup) -> dict[str, _Opened]:
    """The DataIngested events whose payload can be read, by event id; an erased record's are left out."""
    opened: dict[str, _Opened] = {}
    for _, event, payload in readable_ingested(events, keys):
        key = keys.key_for(event.data_id) if is_sealed(event) else None
        opened[event.event_id] = _Opened(event, payload, key)
    return opened


def _work(record: _Opened) -> Work:
    """The pipeline's view of a DataIngested event: one record version."""
    event = record.event
    return Work(event.data_id, event.partner_id, event.record_version, record.payload)


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
