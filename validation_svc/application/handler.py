"""Validates an ingested record version and logs the outcome together with its DataValidated."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from contracts import (
    DataValidated,
    IntegrationEvent,
    JsonObject,
    RuleViolation,
    follow_up_event,
)
from eventkit.messaging import outbound
from eventkit.sealing.events import batch_keys, is_sealed, readable_ingested
from eventkit.sealing.keys import DataKeys
from validation_svc.application.ports import PendingRun, ValidationLog
from validation_svc.domain.log import validation_run
from validation_svc.domain.ruleset import RuleBook

PRODUCER = "validation_svc"

_log = logging.getLogger(__name__)


class ValidateRecord:
    """Handles DataIngested: one atomic, idempotent append per causing event. A DataErased drops the
    record's cached key; any other event type on the topic is ignored (a tolerant reader)."""

    def __init__(self, rule_book: RuleBook, log: ValidationLog, validated_topic: str, keys: DataKeys) -> None:
        self._rule_book = rule_book
        self._log = log
        self._topic = validated_topic
        self._keys = keys

    def __call__(self, event: IntegrationEvent) -> None:
        self.handle(event)

    def handle(self, event: IntegrationEvent) -> bool:
        """Validates and logs the event; returns whether it had an effect (False for a redelivery)."""
        return self.handle_batch([event])[0]

    def handle_batch(self, events: Sequence[IntegrationEvent]) -> list[bool]:
        """Validates the events and logs their runs in one round trip, after one key lookup for the sealed
        ones; returns each one's effect (False for a redelivery, an erased record or another event type).
        KeysUnavailable propagates, so the consumer retries the batch."""
        keys = batch_keys(self._keys, events)
        runs = {
            index: self._run_for(event, payload, sealed=is_sealed(event))
            for index, event, payload in readable_ingested(events, keys)
        }
        appended = dict(zip(runs, self._log.append_runs(list(runs.values())) if runs else [], strict=True))
        return [appended.get(index, False) for index in range(len(events))]

    def _run_for(self, event: IntegrationEvent, payload: JsonObject, *, sealed: bool) -> PendingRun:
        ruleset = self._rule_book.for_partner(event.partner_id)
        # A sealed record's member names are its partner's data: its failures name the rule's path instead.
        violations = ruleset.validate(payload, member_names=not sealed)
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
