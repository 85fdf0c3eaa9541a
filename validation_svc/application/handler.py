"""Validates an ingested record version and logs the outcome together with its DataValidated."""

from __future__ import annotations

from collections.abc import Sequence

from contracts import (
    DataIngested,
    DataValidated,
    IntegrationEvent,
    RuleViolation,
    follow_up_event,
)
from eventkit.messaging import outbound
from validation_svc.application.ports import PendingRun, ValidationLog
from validation_svc.domain.log import validation_run
from validation_svc.domain.ruleset import RuleBook

PRODUCER = "validation_svc"


class ValidateRecord:
    """Handles DataIngested: one atomic, idempotent append per causing event."""

    def __init__(self, rule_book: RuleBook, log: ValidationLog, validated_topic: str) -> None:
        self._rule_book = rule_book
        self._log = log
        self._topic = validated_topic

    def __call__(self, event: IntegrationEvent) -> None:
        self.handle(event)

    def handle(self, event: IntegrationEvent) -> bool:
        """Validates and logs the event; returns whether it had an effect (False for a redelivery)."""
        return self._log.append_run(self._run_for(event))

    def handle_batch(self, events: Sequence[IntegrationEvent]) -> list[bool]:
        """Validates the events and logs their runs in one round trip; returns each one's effect."""
        return self._log.append_runs([self._run_for(event) for event in events])

    def _run_for(self, event: IntegrationEvent) -> PendingRun:
        if not isinstance(event.data, DataIngested):
            raise TypeError(f"expected DataIngested, got {event.event_type}")
        ruleset = self._rule_book.for_partner(event.partner_id)
        violations = ruleset.validate(event.data.payload)
        entries = validation_run(
            data_id=event.data_id,
            partner_id=event.partner_id,
            record_version=event.record_version,
            causation_id=event.event_id,
            ruleset_version=ruleset.version,
            violations=violations,
        )
        errors = tuple(RuleViolation(v.rule, v.field, v.message) for v in violations)
        validated = follow_up_event(event, DataValidated(not errors, ruleset.version, errors), PRODUCER)
        return PendingRun(event.event_id, entries, outbound(validated, self._topic))
