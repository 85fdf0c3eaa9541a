"""Strict JSON from outside (request bodies, query parameters, cursors): UTF-8, no NaN or Infinity,
64-bit integers, bounded nesting; what is wrong is said in words a caller can act on."""

from __future__ import annotations

import json
from typing import Any

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_INT64_DIGITS = 20  # a sign and 19 digits: anything longer is out of range without converting it


class _Refused(ValueError):
    """A value the JSON grammar allows and we do not; its message is the whole reason."""


def parse_json(raw: bytes | str, max_depth: int) -> Any:
    """Returns the parsed value, or raises ValueError with a reason worded to follow a subject
    ("the body", "filter"): e.g. "nests deeper than 32 levels"."""
    try:
        text = raw if isinstance(raw, str) else raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_int=_int64)
    except RecursionError:
        raise ValueError(f"nests deeper than {max_depth} levels") from None
    except _Refused as exc:
        raise ValueError(str(exc)) from None
    except ValueError as exc:
        raise ValueError(f"is not valid JSON: {exc}") from None
    if json_depth_exceeds(value, max_depth):
        raise ValueError(f"nests deeper than {max_depth} levels")
    return value


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


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"is not valid JSON: {name} is not a JSON number")


def _int64(text: str) -> int:
    # The stores keep 64-bit integers (BSON in the query view), so a bigger one is refused at the door.
    value = int(text) if len(text) <= _INT64_DIGITS else None
    if value is None or not INT64_MIN <= value <= INT64_MAX:
        raise _Refused("holds an integer outside the 64-bit range (use a string for bigger numbers)")
    return value
