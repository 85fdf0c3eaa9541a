"""enrich: counts fields and attributes, measures the payload, and places `age` in an age group."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from processing_svc.domain.errors import StepRejected
from processing_svc.domain.steps.base import DuplicateIndex, StepOutput, Work

# Upper bounds (exclusive) of each group; the last group is open-ended.
AGE_GROUPS: tuple[tuple[str, float], ...] = (
    ("child", 13),
    ("teen", 18),
    ("young_adult", 30),
    ("adult", 65),
    ("senior", float("inf")),
)
MAX_AGE = 150


def attribute_count(payload: Mapping[str, Any]) -> int:
    """Returns how many entries the payload's `attributes` object has (0 without one)."""
    attributes = payload.get("attributes")
    if attributes is None:
        return 0
    if not isinstance(attributes, Mapping):
        raise StepRejected(f"attributes must be an object, got {type(attributes).__name__}")
    return len(attributes)


def age_group(age: Any) -> str:
    """Returns the group of an age in years; StepRejected if it is not a plausible age."""
    if isinstance(age, bool) or not isinstance(age, int | float) or not 0 <= age <= MAX_AGE:
        raise StepRejected(f"age must be a number from 0 to {MAX_AGE}, got {json.dumps(age)}")
    return next(name for name, upper in AGE_GROUPS if age < upper)


class Enrich:
    """Adds what can be derived from the payload alone: counts, size, age group."""

    name = "enrich"
    version = "2"

    def run(self, work: Work, duplicates: DuplicateIndex) -> StepOutput:
        # The size of the canonical JSON, so it is the same whatever spacing the partner sent.
        encoded = json.dumps(work.payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        details: dict[str, Any] = {
            "field_count": len(work.payload),
            "attribute_count": attribute_count(work.payload),
            "payload_bytes": len(encoded.encode("utf-8")),
        }
        if work.payload.get("age") is not None:
            details["age_group"] = age_group(work.payload["age"])
        return StepOutput(details)
