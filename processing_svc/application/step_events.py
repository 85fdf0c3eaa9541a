"""The events processing keeps in its own store: one per step of one record version."""

from __future__ import annotations

from collections.abc import Sequence

from contracts import IntegrationEvent
from eventkit.eventstore.model import NewEvent, StoredEvent
from processing_svc.domain.pipeline import PipelineRun

EVENT_TYPES = {"succeeded": "StepSucceeded", "failed": "StepFailed", "skipped": "StepSkipped"}


def step_events(run: PipelineRun, cause: IntegrationEvent) -> list[NewEvent]:
    """Builds the step events of one run, each traced to the DataIngested that caused it."""
    metadata = {
        "partner_id": cause.partner_id,
        "correlation_id": cause.correlation_id,
        "causation_id": cause.event_id,
    }
    return [
        NewEvent(
            EVENT_TYPES[step.status],
            {
                "record_version": cause.record_version,
                "step": step.name,
                "step_version": step.version,
                "pipeline_version": run.pipeline_version,
                "details": dict(step.details),
            },
            metadata,
        )
        for step in run.steps
    ]


def processed_versions(history: Sequence[StoredEvent]) -> set[int]:
    """Returns the record versions a stream already holds results for."""
    return {int(event.data["record_version"]) for event in history}
