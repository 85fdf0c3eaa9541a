"""Rule books for the validation tests: the shipped default and small hand-made ones."""

from __future__ import annotations

from typing import Any

from validation_svc.adapters.rules_file import load_rule_book
from validation_svc.domain.rules_document import read_rule_book
from validation_svc.domain.ruleset import RuleBook, Ruleset
from validation_svc.settings import DEFAULT_RULES_FILE


def shipped() -> RuleBook:
    return load_rule_book(DEFAULT_RULES_FILE)


def ruleset(*rules: dict[str, Any]) -> Ruleset:
    return read_rule_book({"version": "t", "default": list(rules)}).for_partner("anyone")
