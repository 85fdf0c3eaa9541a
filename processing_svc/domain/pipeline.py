"""The pipeline: its steps in order, its version, and one run of a record through it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from processing_svc.domain.errors import StepRejected
from processing_svc.domain.steps.base import BatchStep, DuplicateIndex, Step, StepOutput, Work
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

    @property
    def rejected_by(self) -> str | None:
        """The step that rejected the record (its reason may quote the payload); None on success."""
        return next((step.name for step in self.steps if step.status == "failed"), None)


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
        return self.run_all([work], duplicates)[0]

    def run_all(self, works: Sequence[Work], duplicates: DuplicateIndex) -> list[PipelineRun]:
        """Runs each record as `run` would, step by step across the records, so a step with `run_many`
        (BatchStep) handles all records still going at once: one round trip to the index per batch."""
        progress = [_Progress(work) for work in works]
        for step in self.steps:
            going = [p for p in progress if p.rejection is None]
            for record, outcome in zip(
                going, _outcomes(step, [p.work for p in going], duplicates), strict=True
            ):
                record.add(step, outcome)
        return [self._finished(record) for record in progress]

    def _finished(self, record: _Progress) -> PipelineRun:
        if record.rejection is not None:
            step, reason = record.rejection
            return self._rejected(record.runs, step, reason)
        return PipelineRun(
            self.version, tuple(record.runs), {"payload": dict(record.work.payload), **record.details}
        )

    def _rejected(self, runs: list[StepRun], step: Step, reason: str) -> PipelineRun:
        """Returns the run of a record that `step` rejected: that step failed, the later ones skipped."""
        failed = StepRun(step.name, step.version, "failed", {"reason": reason})
        skipped = [StepRun(s.name, s.version, "skipped", {}) for s in self.steps[len(runs) + 1 :]]
        result = {"step": step.name, "reason": reason}
        return PipelineRun(self.version, (*runs, failed, *skipped), result, f"{step.name}: {reason}")


@dataclass
class _Progress:
    """One record on its way through the steps."""

    work: Work
    runs: list[StepRun] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    rejection: tuple[Step, str] | None = None  # the step that rejected the record, and why

    def add(self, step: Step, outcome: StepOutput | StepRejected) -> None:
        if isinstance(outcome, StepRejected):
            self.rejection = (step, outcome.reason)
            return
        if outcome.payload is not None:
            self.work = replace(self.work, payload=outcome.payload)
        self.runs.append(StepRun(step.name, step.version, "succeeded", dict(outcome.details)))
        self.details[step.name] = dict(outcome.details)


def _outcomes(step: Step, works: list[Work], duplicates: DuplicateIndex) -> list[StepOutput | StepRejected]:
    """Each record's output of the step, or the rejection it raised."""
    if isinstance(step, BatchStep) and works:
        return list(step.run_many(works, duplicates))
    outcomes: list[StepOutput | StepRejected] = []
    for work in works:
        try:
            outcomes.append(step.run(work, duplicates))
        except StepRejected as rejection:
            outcomes.append(rejection)
    return outcomes
