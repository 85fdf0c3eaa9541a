"""Compiles the public filter language (a MongoDB-style subset) into a store filter, refusing anything else.

Only allow-listed operators and fields pass; values are plain JSON literals (objects with `$`-prefixed or
dotted keys are refused, so nothing can smuggle an operator in as data). Dates are typed by field: a string
given for `timestamp`, `received_at` or `updated_at` must be RFC 3339 and becomes a datetime.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from query_svc.domain.errors import InvalidQuery
from query_svc.domain.keys import encode_keys, store_segment
from query_svc.domain.regex_safety import check_regex

COMPARISONS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"})
LISTS = frozenset({"$in", "$nin", "$all"})
LOGICAL = frozenset({"$and", "$or", "$nor"})
FIELD_OPERATORS = COMPARISONS | LISTS | {"$exists", "$regex", "$options", "$not", "$elemMatch", "$size"}
ALLOWED_OPERATORS = FIELD_OPERATORS | LOGICAL

TOP_FIELDS = frozenset({"id", "partner_id", "status", "version", "timestamp", "received_at", "updated_at"})
NESTED_ROOTS = frozenset({"payload", "validation", "processing"})
DATE_FIELDS = frozenset(
    {"timestamp", "received_at", "updated_at", "validation.validated_at", "processing.processed_at"}
)
STORE_NAMES = {"id": "_id"}

MAX_DEPTH = 8
MAX_LIST = 1000
MAX_REGEX = 256
# A segment names one key, percent-encoded as in a URL (see domain.keys); 64 characters or escapes at most.
_SEGMENT = re.compile(r"(?:[A-Za-z0-9_-]|%[0-9A-Fa-f]{2}){1,64}\Z")


def field_name(name: str) -> str:
    """Checks a public field path against the allow-list and returns its name in the store."""
    if name in TOP_FIELDS:
        return STORE_NAMES.get(name, name)
    root, _, rest = name.partition(".")
    if root in NESTED_ROOTS and rest and (path := _store_path(rest)) is not None:
        return f"{root}.{path}"
    raise InvalidQuery(
        f"field {name!r} is not filterable; use {sorted(TOP_FIELDS)} or payload.*, "
        "validation.*, processing.* with letters, digits, '_', '-' and %XX escapes (UTF-8) per segment"
    )


def names_payload(compiled: Any) -> bool:
    """Whether a compiled filter has a condition on a payload field, at any depth of its logic."""
    if isinstance(compiled, list):
        return any(names_payload(clause) for clause in compiled)
    if not isinstance(compiled, dict):
        return False
    return any(
        key == "payload" or key.startswith("payload.") or (key in LOGICAL and names_payload(value))
        for key, value in compiled.items()
    )


def _store_path(path: str) -> str | None:
    """A dotted path of percent-encoded segments in the store's form, or None if a segment is malformed."""
    parts = path.split(".")
    if not all(_SEGMENT.match(part) for part in parts):
        return None
    try:
        return ".".join(store_segment(part) for part in parts)
    except UnicodeDecodeError:
        return None


def compile_filter(source: Any) -> dict[str, Any]:
    """Returns the store filter for a public filter, or raises InvalidQuery naming the offending part."""
    if not isinstance(source, dict):
        raise InvalidQuery("filter must be a JSON object")
    return _document(source, depth=1, path="filter")


def _document(source: dict[str, Any], depth: int, path: str) -> dict[str, Any]:
    _check_depth(depth, path)
    compiled: dict[str, Any] = {}
    for key, value in source.items():
        here = f"{path}.{key}"
        if not isinstance(key, str):
            raise InvalidQuery(f"{path}: keys must be strings")
        if key in LOGICAL:
            compiled[key] = _clauses(value, depth + 1, here)
        elif key.startswith("$"):
            raise InvalidQuery(f"{here}: operator {key!r} is not allowed at the top of a filter")
        else:
            name = field_name(key)
            compiled[name] = _condition(value, key, depth + 1, here)
    return compiled


def _clauses(value: Any, depth: int, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise InvalidQuery(f"{path}: must be a non-empty array of filter objects")
    if len(value) > MAX_LIST:
        raise InvalidQuery(f"{path}: at most {MAX_LIST} clauses")
    out = []
    for index, clause in enumerate(value):
        if not isinstance(clause, dict):
            raise InvalidQuery(f"{path}[{index}]: must be a filter object")
        out.append(_document(clause, depth, f"{path}[{index}]"))
    return out


def _condition(value: Any, field: str, depth: int, path: str) -> Any:
    """A field's condition: an operator object, or a literal meaning equality."""
    if isinstance(value, dict) and any(isinstance(k, str) and k.startswith("$") for k in value):
        return _operators(value, field, depth, path)
    return _literal(value, field, depth, path)


def _operators(ops: dict[str, Any], field: str, depth: int, path: str) -> dict[str, Any]:
    _check_depth(depth, path)
    compiled: dict[str, Any] = {}
    for op, operand in ops.items():
        here = f"{path}.{op}"
        if op not in FIELD_OPERATORS:
            raise InvalidQuery(
                f"{here}: operator {op!r} is not allowed; allowed: {sorted(ALLOWED_OPERATORS)}"
            )
        compiled[op] = _operand(op, operand, field, depth + 1, here)
    if "$options" in compiled and "$regex" not in compiled:
        raise InvalidQuery(f"{path}: $options needs $regex")
    if "$regex" in compiled:  # checked here, where $options is known: the x option changes how it reads
        check_regex(compiled["$regex"], compiled.get("$options", ""), f"{path}.$regex")
    return compiled


def _operand(op: str, operand: Any, field: str, depth: int, path: str) -> Any:
    if op in COMPARISONS:
        return _literal(operand, field, depth, path)
    if op in LISTS:
        return _list(operand, field, depth, path)
    if op == "$exists":
        return _typed(operand, bool, "true or false", path)
    if op in _SCALAR_OPERANDS:
        return _SCALAR_OPERANDS[op](operand, path)
    if op == "$not":
        if not isinstance(operand, dict) or not operand:
            raise InvalidQuery(f"{path}: must be an operator object")
        return _operators(operand, field, depth, path)
    return _elem_match(operand, field, depth, path)


def _size(operand: Any, path: str) -> int:
    if isinstance(operand, bool) or not isinstance(operand, int) or operand < 0:
        raise InvalidQuery(f"{path}: must be a non-negative integer")
    return operand


def _options(operand: Any, path: str) -> str:
    text: str = _typed(operand, str, "a string", path)
    if not set(text) <= set("imsx"):
        raise InvalidQuery(f"{path}: only the options i, m, s and x are allowed")
    return text


def _elem_match(operand: Any, field: str, depth: int, path: str) -> dict[str, Any]:
    if not isinstance(operand, dict) or not operand:
        raise InvalidQuery(f"{path}: must be an object")
    if all(isinstance(k, str) and k.startswith("$") for k in operand):
        return _operators(operand, field, depth, path)
    _check_depth(depth, path)
    compiled: dict[str, Any] = {}
    for key, value in operand.items():
        store = _store_path(key) if isinstance(key, str) else None
        if store is None:
            raise InvalidQuery(
                f"{path}: sub-field {key!r} must be letters, digits, '_', '-' or %XX escapes per segment"
            )
        compiled[store] = _condition(value, f"{field}.{key}", depth + 1, f"{path}.{key}")
    return compiled


def _list(operand: Any, field: str, depth: int, path: str) -> list[Any]:
    if not isinstance(operand, list):
        raise InvalidQuery(f"{path}: must be an array")
    if len(operand) > MAX_LIST:
        raise InvalidQuery(f"{path}: at most {MAX_LIST} values, got {len(operand)}")
    return [_literal(item, field, depth, f"{path}[{i}]") for i, item in enumerate(operand)]


def _regex(operand: Any, path: str) -> str:
    pattern: str = _typed(operand, str, "a string", path)
    if len(pattern) > MAX_REGEX:
        raise InvalidQuery(f"{path}: at most {MAX_REGEX} characters")
    return pattern  # its shape is checked with its $options, in _operators


_SCALAR_OPERANDS: dict[str, Callable[[Any, str], Any]] = {
    "$size": _size,
    "$regex": _regex,
    "$options": _options,
}


def _literal(value: Any, field: str, depth: int, path: str) -> Any:
    """A JSON literal: objects without `$`-prefixed or dotted keys; date fields take RFC 3339 strings."""
    _check_depth(depth, path)
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or key.startswith("$") or "." in key or not key:
                raise InvalidQuery(f"{path}: key {key!r} inside a value may not start with '$' or hold a dot")
            _literal(item, field, depth + 1, f"{path}.{key}")
        return encode_keys(value)  # a key holding '%' or NUL is stored escaped
    if isinstance(value, list):
        return [_literal(item, field, depth + 1, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, float) and math.isnan(value):
        raise InvalidQuery(f"{path}: NaN is not a value")
    if field in DATE_FIELDS and isinstance(value, str):
        return parse_date(value, path)
    if value is None or isinstance(value, str | int | float | bool | datetime):
        return value
    raise InvalidQuery(f"{path}: unsupported value of type {type(value).__name__}")


def parse_date(text: str, path: str) -> datetime:
    """Parses an RFC 3339 date-time with an offset."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidQuery(f"{path}: {text!r} is not an RFC 3339 date-time") from None
    if moment.tzinfo is None:
        raise InvalidQuery(f"{path}: {text!r} needs a UTC offset (e.g. Z)")
    try:
        moment.astimezone(UTC)  # the store keeps UTC, in which this moment may fall outside years 1-9999
    except OverflowError:
        raise InvalidQuery(f"{path}: {text!r} is outside the years 1 to 9999 in UTC") from None
    return moment


def _typed(value: Any, kind: type, what: str, path: str) -> Any:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise InvalidQuery(f"{path}: must be {what}")
    return value


def _check_depth(depth: int, path: str) -> None:
    if depth > MAX_DEPTH:
        raise InvalidQuery(f"{path}: nested deeper than {MAX_DEPTH} levels")
