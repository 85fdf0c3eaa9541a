"""The validation's own events, as appended to a record's log: started, each failed rule, completed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from validation_svc.domain.rules import Violation

EntryType: TypeAlias = Literal["ValidationStarted", "RuleFailed", "ValidationCompleted"]


@dataclass(frozen=True)
class LogEntry:
    """One event of one validation run, tied to the record version and the DataIngested that caused it."""

    type: EntryType
    data_id: str
    partner_id: str
    record_version: int
    causation_id: str  # the DataIngested event_id
    ruleset_version: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class RecordedEntry:
    """A log entry with its position in the log (a Redis stream id, or its equivalent)."""

    position: str
    entry: LogEntry


def validation_run(
    *,
    data_id: str,
    partner_id: str,
    record_version: int,
    causation_id: str,
    ruleset_version: str,
    violations: tuple[Violation, ...],
) -> list[LogEntry]:
    """Returns the entries of one run: started, one per failed rule, then completed with the verdict."""

    def entry(type_: EntryType, detail: dict[str, Any]) -> LogEntry:
        return LogEntry(type_, data_id, partner_id, record_version, causation_id, ruleset_version, detail)

    failures = [
        entry("RuleFailed", {"rule": v.rule, "field": v.field, "message": v.message}) for v in violations
    ]
    verdict = {"is_valid": not violations, "error_count": len(violations)}
    return [entry("ValidationStarted", {}), *failures, entry("ValidationCompleted", verdict)]
