"""Strict JSON request bodies: UTF-8 only, no NaN/Infinity, no NUL, 64-bit integers, bounded nesting."""

from __future__ import annotations

from typing import Any

from contracts import json_problem
from eventkit.json_text import parse_json
from eventkit.problems import Problem

DEFAULT_MAX_DEPTH = 32


def parse_json_body(raw: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Returns the parsed body or raises a 400 Problem that says precisely what is wrong."""
    try:
        value = parse_json(raw, max_depth)
    except ValueError as exc:
        raise Problem(400, f"The body {exc}.") from None
    problem = json_problem(value) or _nul(value)
    if problem is not None:
        raise Problem(400, f"The body is not plain JSON: {problem}.")
    return value


def _nul(value: object) -> str | None:
    """Returns where the body holds U+0000 in a string or key, which PostgreSQL text and jsonb cannot keep."""
    pending: list[tuple[str, object]] = [("$", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return f"{path}: contains the NUL character (U+0000)"
        if isinstance(item, dict):
            if any("\x00" in key for key in item):
                return f"{path}: an object key contains the NUL character (U+0000)"
            pending.extend((f"{path}.{key}", child) for key, child in item.items())
        elif isinstance(item, list):
            pending.extend((f"{path}[{index}]", child) for index, child in enumerate(item))
    return None
