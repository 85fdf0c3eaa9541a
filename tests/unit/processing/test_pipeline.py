"""The pipeline: steps in order, a version from their names and versions, failures skip the rest."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from processing_svc.adapters.memory import InMemoryDuplicateIndex
from processing_svc.domain.errors import StepRejected
from processing_svc.domain.pipeline import Pipeline, default_steps
from processing_svc.domain.steps.base import DuplicateIndex, StepOutput, Work
from processing_svc.domain.steps.quality import ExpectedFields
from tests.unit.processing.support import NoDuplicates, work

EXPECTED = ExpectedFields(("name", "age"))


class Shout:
    """A step added in a test: one class, one line in the list."""

    name = "shout"
    version = "7"

    def run(self, work: Work, duplicates: DuplicateIndex) -> StepOutput:
        return StepOutput({"loud": str(work.payload.get("name", "")).upper()})


def test_runs_every_step_on_the_normalized_payload() -> None:
    run = Pipeline(default_steps(EXPECTED)).run(work({"age": 40, "name": "  Ada  "}), NoDuplicates())
    assert run.succeeded
    assert [(s.name, s.status) for s in run.steps] == [
        ("normalize", "succeeded"),
        ("enrich", "succeeded"),
        ("fingerprint", "succeeded"),
        ("quality", "succeeded"),
    ]
    assert run.result["payload"] == {"age": 40, "name": "Ada"}
    assert run.result["enrich"]["age_group"] == "adult"
    assert run.result["quality"]["completeness"] == 1.0


def test_the_version_names_each_step_and_its_version() -> None:
    pipeline = Pipeline(default_steps(EXPECTED))
    assert pipeline.version.startswith("normalize@2+enrich@2+fingerprint@1+quality@1.")
    assert Pipeline([*default_steps(EXPECTED), Shout()]).version == pipeline.version + "+shout@7"


def test_is_deterministic() -> None:
    pipeline = Pipeline(default_steps(EXPECTED))
    record = work({"name": "Ada", "age": 3})
    assert pipeline.run(record, NoDuplicates()) == pipeline.run(record, NoDuplicates())


def test_a_rejected_step_fails_the_run_and_skips_the_rest() -> None:
    run = Pipeline(default_steps(EXPECTED)).run(work({"age": -4}), NoDuplicates())
    assert not run.succeeded
    assert run.result == {"step": "enrich", "reason": "age must be a number from 0 to 150, got -4"}
    assert run.failure == "enrich: age must be a number from 0 to 150, got -4"
    assert [s.status for s in run.steps] == ["succeeded", "failed", "skipped", "skipped"]
    assert run.steps[1].details == {"reason": "age must be a number from 0 to 150, got -4"}


def test_an_unexpected_error_propagates() -> None:
    class Broken:
        name = "broken"
        version = "1"

        def run(self, work: Work, duplicates: DuplicateIndex) -> StepOutput:
            raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        Pipeline([Broken()]).run(work({}), NoDuplicates())


def test_step_names_are_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        Pipeline([Shout(), Shout()])


def test_a_rejecting_step_reason_is_kept() -> None:
    class Refuse:
        name = "refuse"
        version = "1"

        def run(self, work: Work, duplicates: DuplicateIndex) -> StepOutput:
            raise StepRejected("no")

    assert Pipeline([Refuse()]).run(work({}), NoDuplicates()).failure == "refuse: no"


class CountingIndex(InMemoryDuplicateIndex):
    """The in-memory index, counting its calls."""

    def __init__(self) -> None:
        super().__init__({})
        self.calls = 0

    def first_with_many(self, claims: Sequence[tuple[str, str, str]]) -> list[str]:
        self.calls += 1
        return super().first_with_many(claims)


def test_a_batch_gives_each_record_what_a_run_of_its_own_gives_with_one_call_to_the_index() -> None:
    payloads: list[dict[str, object]] = [
        {"age": 40, "name": "Ada"},
        {"age": -4},
        {"age": 40, "name": "Ada"},
        {"name": "Bo", "age": 9},
    ]
    records = [work(payload) for payload in payloads]
    pipeline = Pipeline(default_steps(EXPECTED))
    alone = CountingIndex()
    one_by_one = [pipeline.run(record, alone) for record in records]
    batched = CountingIndex()

    runs = pipeline.run_all(records, batched)

    assert runs == one_by_one
    assert runs[2].result["fingerprint"]["duplicate_of"] == records[0].data_id
    assert not runs[1].succeeded  # rejected before the fingerprint step: never claimed
    assert (batched.calls, alone.calls) == (1, 3)
