"""Resolves dotted paths such as `attributes.color` or `items.*.sku` into a JSON payload."""

from __future__ import annotations

from typing import Any

WILDCARD = "*"


def resolve(payload: Any, path: str, *, member_names: bool = True) -> list[tuple[str, Any]]:
    """Returns (concrete path, value) for every value the path reaches, in a deterministic order.

    `*` stands for every member of an object (sorted by key) or every element of an array; a numeric
    segment also indexes an array. A path that leaves the payload reaches nothing, so a rule on an
    absent field has nothing to check. Without `member_names`, an object member reached by `*` keeps
    `*` in the concrete path: a member's name is the partner's data, which a sealed record's rule
    failures must not quote.
    """
    found: list[tuple[str, Any]] = [("", payload)]
    for segment in path.split("."):
        found = [step for prefix, value in found for step in _step(prefix, value, segment, member_names)]
    return found


def _step(prefix: str, value: Any, segment: str, member_names: bool) -> list[tuple[str, Any]]:
    join = f"{prefix}." if prefix else ""
    if isinstance(value, dict):
        if segment == WILDCARD:
            return [
                (f"{join}{key if member_names else WILDCARD}", value[key]) for key in sorted(value, key=str)
            ]
        return [(f"{join}{segment}", value[segment])] if segment in value else []
    if isinstance(value, list):
        if segment == WILDCARD:
            return [(f"{join}{index}", item) for index, item in enumerate(value)]
        if segment.isascii() and segment.isdigit() and int(segment) < len(value):
            return [(f"{join}{segment}", value[int(segment)])]
    return []


def has_wildcard(path: str) -> bool:
    return WILDCARD in path.split(".")
