"""The events processing keeps in its own store: one per step of one record version."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from contracts import IntegrationEvent, Sealed
from eventkit.eventstore.model import NewEvent, StoredEvent
from eventkit.sealing.cipher import DataKey, open_sealed, seal
from processing_svc.domain.pipeline import PipelineRun, StepRun

EVENT_TYPES = {"succeeded": "StepSucceeded", "failed": "StepFailed", "skipped": "StepSkipped"}
STEP_DETAILS = "processing-step"  # the purpose a sealed record's step details are sealed for


def step_events(run: PipelineRun, cause: IntegrationEvent, key: DataKey | None) -> list[NewEvent]:
    """Builds the step events of one run, each traced to the DataIngested that caused it. A sealed record's
    (one with a `key`) details, which derive from its payload, are kept under `sealed_details`."""
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
                **_details(step, key),
            },
            metadata,
        )
        for step in run.steps
    ]


def _details(step: StepRun, key: DataKey | None) -> dict[str, Any]:
    if key is None:
        return {"details": dict(step.details)}
    return {"sealed_details": dataclasses.asdict(seal(key, STEP_DETAILS, dict(step.details)))}


def is_sealed(data: Mapping[str, Any]) -> bool:
    """Tells whether a stored step event's details are sealed under its record's key."""
    return data.get("sealed_details") is not None


def opened_details(data: Mapping[str, Any], key: DataKey | None) -> dict[str, Any]:
    """A stored step event's data with its details in plain: opened with the record's key, or, without one
    (the record is erased), `details` None and `erased` true."""
    plain = {name: value for name, value in data.items() if name != "sealed_details"}
    if not is_sealed(data):
        return plain
    if key is None:
        return {**plain, "details": None, "erased": True}
    return {**plain, "details": open_sealed(key, STEP_DETAILS, Sealed(**data["sealed_details"]))}


def processed_versions(history: Sequence[StoredEvent]) -> set[int]:
    """Returns the record versions a stream already holds results for."""
    return {int(event.data["record_version"]) for event in history}
