"""Turns a pipeline run into the DataProcessed integration event the outbox relays."""

from __future__ import annotations

import contracts
from eventkit.messaging import OutboundMessage, outbound
from eventkit.sealing.cipher import DataKey
from eventkit.sealing.events import sealed_processed
from processing_svc.domain.pipeline import PipelineRun

PRODUCER = "processing_svc"


def data_processed_message(
    run: PipelineRun, cause: contracts.IntegrationEvent, topic: str, key: DataKey | None
) -> OutboundMessage:
    """Builds DataProcessed for the record version that `cause` (a DataIngested) announced; with the
    record's `key` (the cause was sealed) its result and step details travel sealed."""
    data = contracts.DataProcessed(
        status="processed" if run.succeeded else "failed",
        pipeline_version=run.pipeline_version,
        result=dict(run.result),
        steps=tuple(
            contracts.ProcessingStep(step.name, step.version, step.status, dict(step.details))
            for step in run.steps
        ),
    )
    if key is not None:
        data = sealed_processed(key, data)
    return outbound(contracts.follow_up_event(cause, data, PRODUCER), topic)
