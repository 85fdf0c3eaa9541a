"""Strict JSON request bodies: UTF-8 only, no NaN/Infinity, no NUL, 64-bit integers, bounded nesting."""

from __future__ import annotations

import json
from typing import Any

from contracts import json_problem
from eventkit.problems import Problem

DEFAULT_MAX_DEPTH = 32


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_depth_exceeds(value: object, max_depth: int) -> bool:
    """Tells whether arrays/objects nest deeper than `max_depth` (the top-level value is depth 1)."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > max_depth:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def parse_json_body(raw: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Returns the parsed body or raises a 400 Problem that says precisely what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, f"The body is not valid UTF-8 (byte {exc.start}).") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise Problem(400, f"The body nests deeper than {max_depth} levels.") from None
    except ValueError as exc:
        raise Problem(400, f"The body is not valid JSON: {exc}.") from None
    if json_depth_exceeds(value, max_depth):
        raise Problem(400, f"The body nests deeper than {max_depth} levels.")
    problem = json_problem(value) or _unstorable(value)
    if problem is not None:
        raise Problem(400, f"The body is not plain JSON: {problem}.")
    return value


def _unstorable(value: object) -> str | None:
    """Returns where the body holds what a downstream store cannot keep: U+0000 in a string or key
    (PostgreSQL text and jsonb), or an integer outside 64 bits (BSON, so the query view)."""
    pending: list[tuple[str, object]] = [("$", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return f"{path}: contains the NUL character (U+0000)"
        if isinstance(item, int) and not isinstance(item, bool) and not _INT64_MIN <= item <= _INT64_MAX:
            return f"{path}: an integer outside the 64-bit range (use a string for bigger numbers)"
        if isinstance(item, dict):
            if any("\x00" in key for key in item):
                return f"{path}: an object key contains the NUL character (U+0000)"
            pending.extend((f"{path}.{key}", child) for key, child in item.items())
        elif isinstance(item, list):
            pending.extend((f"{path}[{index}]", child) for index, child in enumerate(item))
    return None
