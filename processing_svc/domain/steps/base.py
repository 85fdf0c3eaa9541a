"""What every step is: a named, versioned, pure function of the record as the earlier steps left it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class DuplicateIndex(Protocol):
    """Remembers, per partner, which record first showed each fingerprint."""

    def first_with(self, partner_id: str, fingerprint: str, data_id: str) -> str:
        """Claims the fingerprint for `data_id` unless claimed, and returns the record that holds it."""
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
