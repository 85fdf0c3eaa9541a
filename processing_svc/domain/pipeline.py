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
    name: str
    version: str
    status: StepStatus
    details: Mapping[str, Any]


@dataclass(frozen=True)
class PipelineRun:
    """What the pipeline made of one record version: each step's outcome and the overall result."""

    pipeline_version: str
    steps: tuple[StepRun, ...]
    failure: str | None  # the reason of the failed step, None when every step succeeded
    result: Mapping[str, Any] | None  # the final payload and each step's details; None on failure

    @property
    def succeeded(self) -> bool:
        return self.failure is None


class Pipeline:
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
                runs.append(StepRun(step.name, step.version, "failed", {"reason": rejection.reason}))
                runs.extend(StepRun(s.name, s.version, "skipped", {}) for s in self.steps[len(runs) :])
                return PipelineRun(self.version, tuple(runs), f"{step.name}: {rejection.reason}", None)
            if output.payload is not None:
                work = replace(work, payload=output.payload)
            runs.append(StepRun(step.name, step.version, "succeeded", dict(output.details)))
            details[step.name] = dict(output.details)
        return PipelineRun(self.version, tuple(runs), None, {"payload": dict(work.payload), **details})
