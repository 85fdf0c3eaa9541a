"""quality: how complete a record is, from 0 to 1, against the fields its partner is expected to send."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from processing_svc.domain.errors import InvalidExpectedFields
from processing_svc.domain.steps.base import DuplicateIndex, StepOutput, Work


@dataclass(frozen=True)
class ExpectedFields:
    """Dotted field paths each partner should send; partners not listed get the default."""

    default: tuple[str, ...]
    partners: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def for_partner(self, partner_id: str) -> tuple[str, ...]:
        return self.partners.get(partner_id, self.default)

    def digest(self) -> str:
        """A short hash of the configuration, so a change of it shows in the pipeline version."""
        document = {"default": self.default, "partners": dict(sorted(self.partners.items()))}
        return hashlib.sha256(json.dumps(document).encode("utf-8")).hexdigest()[:8]

    @classmethod
    def from_document(cls, document: Any) -> ExpectedFields:
        """Reads `{"default": [...], "partners": {"<id>": [...]}}`; InvalidExpectedFields says why not."""
        if not isinstance(document, Mapping):
            raise InvalidExpectedFields("the document must be a JSON object")
        if unknown := sorted(set(document) - {"default", "partners"}):
            raise InvalidExpectedFields(f"unknown keys {unknown}; allowed are 'default' and 'partners'")
        partners = document.get("partners", {})
        if not isinstance(partners, Mapping):
            raise InvalidExpectedFields("'partners' must be an object of partner id -> list of fields")
        return cls(
            _paths(document.get("default"), "default"),
            {str(pid): _paths(paths, f"partners.{pid}") for pid, paths in partners.items()},
        )


def _paths(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InvalidExpectedFields(f"'{where}' must be a list of field names")
    if not all(isinstance(path, str) and path.strip() for path in value):
        raise InvalidExpectedFields(f"'{where}' must hold only non-empty strings")
    if len(set(value)) != len(value):
        raise InvalidExpectedFields(f"'{where}' names a field twice")
    return tuple(value)


def is_present(payload: Mapping[str, Any], path: str) -> bool:
    """Tells whether a dotted path leads to a value that is not null, empty text, or an empty container."""
    value: Any = payload
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False
        value = value[part]
    return value is not None and value not in ("", [], {})


class Quality:
    """Scores completeness as the share of the partner's expected fields that are present."""

    name = "quality"

    def __init__(self, expected: ExpectedFields) -> None:
        self._expected = expected
        # The score depends on the configuration as much as on the code, so both are in the version.
        self.version = f"1.{expected.digest()}"

    def run(self, work: Work, duplicates: DuplicateIndex) -> StepOutput:
        expected = self._expected.for_partner(work.partner_id)
        missing = [path for path in expected if not is_present(work.payload, path)]
        score = 1.0 if not expected else round((len(expected) - len(missing)) / len(expected), 4)
        return StepOutput({"completeness": score, "expected": list(expected), "missing": missing})
