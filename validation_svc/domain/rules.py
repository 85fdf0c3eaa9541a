"""Business rules as data: one rule checks one path of a payload and reports what it breaks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from validation_svc.domain.payload_paths import has_wildcard, resolve

RuleKind: TypeAlias = Literal["required", "type", "range", "length", "regex", "allowed"]
RULE_KINDS: tuple[RuleKind, ...] = ("required", "type", "range", "length", "regex", "allowed")
TYPE_NAMES = ("string", "number", "integer", "boolean", "object", "array", "null", "scalar")


@dataclass(frozen=True)
class Violation:
    """One failed rule: which rule, at which concrete path, and why."""

    rule: str
    field: str
    message: str


@dataclass(frozen=True)
class Rule:
    """A rule of one kind on one path; `params` hold its bounds, type, pattern or values."""

    kind: RuleKind
    path: str
    type_name: str = ""
    minimum: float | None = None
    maximum: float | None = None
    pattern: str = ""
    values: tuple[Any, ...] = ()
    compiled: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        """What a partner's rule overrides: the default rule of the same kind on the same path."""
        return (self.kind, self.path)

    def check(self, payload: dict[str, Any], *, member_names: bool = True) -> list[Violation]:
        """Returns this rule's violations in the payload (none when it holds); without `member_names`, the
        object members a wildcard reaches are not named (see payload_paths.resolve). A message quotes the
        rule (its bounds, pattern or values), never the value that broke it."""
        if self.kind == "required":
            return self._check_required(payload)
        violations = []
        for where, value in resolve(payload, self.path, member_names=member_names):
            message = self._message(value)
            if message is not None:
                violations.append(Violation(self.kind, where, message))
        return violations

    def _check_required(self, payload: dict[str, Any]) -> list[Violation]:
        if has_wildcard(self.path) or resolve(payload, self.path):
            return []
        return [Violation("required", self.path, "Is required.")]

    def _message(self, value: Any) -> str | None:
        """Returns why the value breaks the rule, or None; values of another type are the type rule's job."""
        if self.kind == "type":
            return None if is_type(value, self.type_name) else f"Must be of type {self.type_name}."
        if self.kind == "range" and is_type(value, "number"):
            return _range_message(value, self.minimum, self.maximum, "Must be")
        if self.kind == "length" and isinstance(value, (str, list, dict)):
            return _range_message(len(value), self.minimum, self.maximum, "Length must be")
        if self.kind == "regex" and isinstance(value, str) and self.compiled is not None:
            return None if self.compiled.search(value) else f"Must match {self.pattern!r}."
        if self.kind == "allowed" and not _is_allowed(value, self.values):
            return f"Must be one of {', '.join(repr(v) for v in self.values)}."
        return None


def is_type(value: Any, type_name: str) -> bool:
    """Tells whether a JSON value has the named type (booleans are not numbers)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    checks = {
        "string": isinstance(value, str),
        "number": number,
        "integer": number and float(value).is_integer(),
        "boolean": isinstance(value, bool),
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        "null": value is None,
        "scalar": not isinstance(value, (dict, list)),
    }
    return checks.get(type_name, False)


def _range_message(value: float, low: float | None, high: float | None, subject: str) -> str | None:
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = [
            f"at least {low:g}" if low is not None else "",
            f"at most {high:g}" if high is not None else "",
        ]
        return f"{subject} {' and '.join(b for b in bounds if b)}."
    return None


def _is_allowed(value: Any, allowed: tuple[Any, ...]) -> bool:
    # 1 == True in Python; JSON keeps them apart, and so do we.
    return any(type(value) is type(choice) and value == choice for choice in allowed)
