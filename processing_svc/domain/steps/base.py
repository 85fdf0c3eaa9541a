"""What every step is: a named, versioned, pure function of the record as the earlier steps left it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Claim = tuple[str, str, str]  # (partner_id, fingerprint, data_id)


class DuplicateIndex(Protocol):
    """Remembers, per partner, which record first showed each fingerprint."""

    def first_with_many(self, claims: Sequence[Claim]) -> list[str]:
        """Claims each (partner, fingerprint) for its record unless claimed, in order (an earlier claim in
        the list wins over a later one), and returns each claim's holder: the record that holds it."""
        ...


@dataclass(frozen=True)
class Work:
    """One record version on its way through the pipeline."""

    data_id: str
    partner_id: str
    record_version: int
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class StepOutput:
    """A step's details (its part of the result) and, for a step that rewrites it, the new payload."""

    details: Mapping[str, Any] = field(default_factory=dict)
    payload: Mapping[str, Any] | None = None


class Step(Protocol):
    """A step raises StepRejected for data it cannot handle; any other error is the system's fault."""

    name: str
    version: str

    def run(self, work: Work, duplicates: DuplicateIndex) -> StepOutput: ...


@runtime_checkable
class BatchStep(Step, Protocol):
    """A step that handles a batch of records at once (one round trip to the duplicate index for all);
    it must give each record what `run` would, in order, and may not reject any."""

    def run_many(self, works: Sequence[Work], duplicates: DuplicateIndex) -> list[StepOutput]: ...
