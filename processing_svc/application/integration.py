"""Turns a pipeline run into the DataProcessed integration event the outbox relays."""

from __future__ import annotations

import contracts
from eventkit.messaging import OutboundMessage, outbound
from processing_svc.domain.pipeline import PipelineRun

PRODUCER = "processing_svc"


def data_processed_message(
    run: PipelineRun, cause: contracts.IntegrationEvent, topic: str
) -> OutboundMessage:
    """Builds DataProcessed for the record version that `cause` (a DataIngested) announced."""
    data = contracts.DataProcessed(
        status="processed" if run.succeeded else "failed",
        pipeline_version=run.pipeline_version,
        result=dict(run.result),
        steps=tuple(
            contracts.ProcessingStep(step.name, step.version, step.status, dict(step.details))
            for step in run.steps
        ),
    )
    return outbound(contracts.follow_up_event(cause, data, PRODUCER), topic)
