"""A versioned ruleset, the default one merged with a partner's, and checking a payload against it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from validation_svc.domain.rules import Rule, Violation


@dataclass(frozen=True)
class Ruleset:
    """The rules that apply to one record, in order, under one version."""

    version: str
    rules: tuple[Rule, ...]

    def validate(self, payload: Any, *, member_names: bool = True) -> tuple[Violation, ...]:
        """Returns every violation, in rule order; never raises on any JSON value. Without `member_names`
        no violation's field names an object member a wildcard reached (a sealed record's keys)."""
        if not isinstance(payload, dict):
            return (Violation("type", "", "The payload must be an object."),)
        return tuple(
            violation for rule in self.rules for violation in rule.check(payload, member_names=member_names)
        )


@dataclass(frozen=True)
class RuleBook:
    """The default rules plus per-partner rules, which extend the default or override its rules."""

    version: str
    default: tuple[Rule, ...]
    partners: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)

    def for_partner(self, partner_id: str) -> Ruleset:
        """Returns the partner's effective ruleset: its version names the partner when it has own rules."""
        own = self.partners.get(partner_id)
        if not own:
            return Ruleset(self.version, self.default)
        overridden = {rule.key for rule in own}
        merged = tuple(rule for rule in self.default if rule.key not in overridden) + own
        return Ruleset(f"{self.version}+{partner_id}", merged)
