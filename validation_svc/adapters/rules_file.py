"""Loads the rule book from its JSON file, failing with a message that names the file and the problem."""

from __future__ import annotations

import json
from pathlib import Path

from validation_svc.domain.errors import RulesInvalid
from validation_svc.domain.rules_document import read_rule_book
from validation_svc.domain.ruleset import RuleBook


def load_rule_book(path: Path) -> RuleBook:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RulesInvalid(f"cannot read {path}: {error}") from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as error:
        raise RulesInvalid(f"{path} is not valid JSON: {error}") from None
    try:
        return read_rule_book(document)
    except RulesInvalid as error:
        raise RulesInvalid(f"{path}: {error}") from None


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")
