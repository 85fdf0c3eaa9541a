"""Reads a rules document (parsed JSON) into a RuleBook, naming the first problem it finds."""

from __future__ import annotations

import re
from typing import Any

from validation_svc.domain.errors import RulesInvalid
from validation_svc.domain.payload_paths import has_wildcard
from validation_svc.domain.rules import RULE_KINDS, TYPE_NAMES, Rule, is_type
from validation_svc.domain.ruleset import RuleBook

_PATH = re.compile(r"[^.\s]+(\.[^.\s]+)*")
_PARAMS = {
    "required": set(),
    "type": {"type"},
    "range": {"min", "max"},
    "length": {"min", "max"},
    "regex": {"pattern"},
    "allowed": {"values"},
}


def read_rule_book(document: Any) -> RuleBook:
    """Builds the rule book from `{"version", "default": [rule...], "partners": {id: [rule...]}}`."""
    if not isinstance(document, dict):
        raise RulesInvalid("the rules document must be a JSON object")
    _only(document, {"version", "default", "partners"}, "the rules document")
    version = document.get("version")
    if not isinstance(version, str) or not version.strip():
        raise RulesInvalid("'version' must be a non-empty string")
    partners = document.get("partners", {})
    if not isinstance(partners, dict):
        raise RulesInvalid("'partners' must be an object of partner id to a list of rules")
    return RuleBook(
        version,
        _rules(document.get("default"), "default"),
        {partner: _rules(rules, f"partners.{partner}") for partner, rules in partners.items()},
    )


def _rules(raw: Any, where: str) -> tuple[Rule, ...]:
    if not isinstance(raw, list):
        raise RulesInvalid(f"'{where}' must be a list of rules")
    rules = tuple(_rule(item, f"{where}[{index}]") for index, item in enumerate(raw))
    seen: set[tuple[str, str]] = set()
    for index, rule in enumerate(rules):
        if rule.key in seen:
            raise RulesInvalid(f"{where}[{index}]: a second '{rule.kind}' rule on '{rule.path}'")
        seen.add(rule.key)
    return rules


def _rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise RulesInvalid(f"{where} must be an object with 'rule' and 'field'")
    kind, path = raw.get("rule"), raw.get("field")
    if kind not in RULE_KINDS:
        raise RulesInvalid(f"{where}.rule must be one of {', '.join(RULE_KINDS)}, got {kind!r}")
    if not isinstance(path, str) or _PATH.fullmatch(path) is None:
        raise RulesInvalid(f"{where}.field must be a dotted path like 'attributes.color', got {path!r}")
    _only(raw, {"rule", "field", *_PARAMS[kind]}, where)
    if kind == "required" and has_wildcard(path):
        raise RulesInvalid(f"{where}: a 'required' rule cannot use '*' in its path")
    return _with_params(kind, path, raw, where)


def _with_params(kind: Any, path: str, raw: dict[str, Any], where: str) -> Rule:
    if kind == "type":
        type_name = raw.get("type")
        if type_name not in TYPE_NAMES:
            raise RulesInvalid(f"{where}.type must be one of {', '.join(TYPE_NAMES)}, got {type_name!r}")
        return Rule(kind, path, type_name=raw["type"])
    if kind in ("range", "length"):
        low, high = _bound(raw, "min", where), _bound(raw, "max", where)
        if low is None and high is None:
            raise RulesInvalid(f"{where} needs 'min', 'max' or both")
        if low is not None and high is not None and low > high:
            raise RulesInvalid(f"{where}: 'min' {low:g} is above 'max' {high:g}")
        return Rule(kind, path, minimum=low, maximum=high)
    if kind == "regex":
        return _regex_rule(path, raw.get("pattern"), where)
    if kind == "allowed":
        values = raw.get("values")
        if not isinstance(values, list) or not values or not all(is_type(v, "scalar") for v in values):
            raise RulesInvalid(f"{where}.values must be a non-empty list of scalar values")
        return Rule(kind, path, values=tuple(values))
    return Rule(kind, path)


def _regex_rule(path: str, pattern: Any, where: str) -> Rule:
    if not isinstance(pattern, str):
        raise RulesInvalid(f"{where}.pattern must be a string")
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise RulesInvalid(f"{where}.pattern is not a valid regular expression: {error}") from None
    return Rule("regex", path, pattern=pattern, compiled=compiled)


def _bound(raw: dict[str, Any], name: str, where: str) -> float | None:
    value = raw.get(name)
    if value is not None and not is_type(value, "number"):
        raise RulesInvalid(f"{where}.{name} must be a number, got {value!r}")
    return None if value is None else float(value)


def _only(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise RulesInvalid(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")
