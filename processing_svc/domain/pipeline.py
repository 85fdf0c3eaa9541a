"""The pipeline: its steps in order, its version, and one run of a record through it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from processing_svc.domain.errors import StepRejected
from processing_svc.domain.steps.base import DuplicateIndex, Step, Work
from processing_svc.domain.steps.enrich import Enrich
from processing_svc.domain.steps.fingerprint import Fingerprint
from processing_svc.domain.steps.normalize import Normalize
from processing_svc.domain.steps.quality import ExpectedFields, Quality

StepStatus = Literal["succeeded", "failed", "skipped"]


def default_steps(expected: ExpectedFields) -> list[Step]:
    """The steps every record goes through, in order; adding a step is one line here."""
    return [Normalize(), Enrich(), Fingerprint(), Quality(expected)]


@dataclass(frozen=True)
class StepRun:
    """One step's outcome for one record version."""

    name: str
    version: str
    status: StepStatus
    details: Mapping[str, Any]


@dataclass(frozen=True)
class PipelineRun:
    """What the pipeline made of one record version: each step's outcome and the overall result."""

    pipeline_version: str
    steps: tuple[StepRun, ...]
    # On success the final payload and each step's details by step name; on failure the step and reason.
    result: Mapping[str, Any]
    failure: str | None = None  # "<step>: <reason>" of the rejecting step, None when every step succeeded

    @property
    def succeeded(self) -> bool:
        return self.failure is None


class Pipeline:
    """The steps in order; its version names every step and step version, so a result says what made it."""

    def __init__(self, steps: Sequence[Step]) -> None:
        names = [step.name for step in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"step names must be unique, got {names}")
        self.steps = tuple(steps)
        self.version = "+".join(f"{step.name}@{step.version}" for step in steps)

    def run(self, work: Work, duplicates: DuplicateIndex) -> PipelineRun:
        """Runs every step in turn; after a rejection the remaining steps are skipped."""
        runs: list[StepRun] = []
        details: dict[str, Any] = {}
        for step in self.steps:
            try:
                output = step.run(work, duplicates)
            except StepRejected as rejection:
                return self._rejected(runs, step, rejection.reason)
            if output.payload is not None:
                work = replace(work, payload=output.payload)
            runs.append(StepRun(step.name, step.version, "succeeded", dict(output.details)))
            details[step.name] = dict(output.details)
        return PipelineRun(self.version, tuple(runs), {"payload": dict(work.payload), **details})

    def _rejected(self, runs: list[StepRun], step: Step, reason: str) -> PipelineRun:
        """Returns the run of a record that `step` rejected: that step failed, the later ones skipped."""
        failed = StepRun(step.name, step.version, "failed", {"reason": reason})
        skipped = [StepRun(s.name, s.version, "skipped", {}) for s in self.steps[len(runs) + 1 :]]
        result = {"step": step.name, "reason": reason}
        return PipelineRun(self.version, (*runs, failed, *skipped), result, f"{step.name}: {reason}")
