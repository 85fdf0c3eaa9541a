"""Plain JSON values: the only kind of value an event's free-form objects may hold."""

from __future__ import annotations

import math
import re
from typing import Any, TypeAlias

JsonObject: TypeAlias = dict[str, Any]

# MongoDB refuses documents nested deeper than 100 levels and the query view wraps payloads a few levels
# down, so the contract stops well before that; the bound also ends the walk on self-referencing objects.
MAX_JSON_DEPTH = 64

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def json_problem(value: object) -> str | None:
    """Returns why a value is not plain JSON that encodes as UTF-8, or None when it is."""
    pending: list[tuple[str, object, int]] = [("$", value, 0)]
    while pending:
        path, item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return f"{path}: nested deeper than {MAX_JSON_DEPTH} levels"
        problem = _scalar_problem(path, item)
        if problem is not None:
            return problem
        pending.extend(_children(path, item, depth + 1))
    return None


def _scalar_problem(path: str, item: object) -> str | None:
    """Returns why one value (ignoring its children) is not plain JSON, or None when it is."""
    if item is None or isinstance(item, (bool, int, list)):
        return None
    if isinstance(item, float):
        return None if math.isfinite(item) else f"{path}: {item!r} is not a JSON number"
    if isinstance(item, str):
        return f"{path}: contains a lone UTF-16 surrogate" if _LONE_SURROGATE.search(item) else None
    if isinstance(item, dict):
        if not all(isinstance(key, str) for key in item):
            return f"{path}: object keys must be strings"
        return _scalar_problem(path, "".join(item))
    return f"{path}: {type(item).__name__} is not a JSON value"


def _children(path: str, item: object, depth: int) -> list[tuple[str, object, int]]:
    """Lists the members of a JSON array or object with their paths."""
    if isinstance(item, dict):
        return [(f"{path}.{key}", child, depth) for key, child in item.items()]
    if isinstance(item, list):
        return [(f"{path}[{index}]", child, depth) for index, child in enumerate(item)]
    return []
