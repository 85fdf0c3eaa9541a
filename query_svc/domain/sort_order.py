"""The order MongoDB sorts view values in, so that keyset pages over any field stay exact.

A sort on a field compares one *key* per document: the field's value; null when it is null or missing; for
an array, its smallest element in an ascending sort and its largest in a descending one; an empty array
sorts below everything. Values of different types are ordered by type first (null < numbers < strings <
objects < arrays < booleans < dates), then within a type: numbers by value whatever their width, strings
by their UTF-8 bytes (no collation), objects pair by pair, booleans false before true, dates by time.

The query service pages by keyset: the next page holds the documents whose keys come strictly after
the last page's. The store is asked for a superset of those (`after_filter`, `equal_filter`) and sorts it;
this module tells, document by document, which of them really come after (`comes_after`), so a page
never repeats nor skips a record, whatever mixture of types, missing values and arrays the field holds.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final


class EmptyArray:
    """The key of a field holding `[]`: below every other value."""

    _instance: EmptyArray | None = None

    def __new__(cls) -> EmptyArray:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "EMPTY_ARRAY"


EMPTY_ARRAY: Final = EmptyArray()

# Ranks of BSON types in sort order (the types a view can hold).
EMPTY, NULL, NUMBER, STRING, OBJECT, ARRAY, BOOL, DATE = 0, 1, 2, 3, 4, 5, 8, 9
RANKS = (EMPTY, NULL, NUMBER, STRING, OBJECT, ARRAY, BOOL, DATE)
# `$type` aliases that select the values of a rank (on an array field: arrays holding such a value).
TYPE_ALIASES = {
    NUMBER: "number",
    STRING: "string",
    OBJECT: "object",
    ARRAY: "array",
    BOOL: "bool",
    DATE: "date",
}
# Ranks whose values the comparison operators ($gt, $lt) order within their own type.
COMPARABLE = frozenset({NUMBER, STRING, BOOL, DATE})

SortKeys = Sequence[tuple[str, int]]


# In this order: a bool is also an int.
_RANK_OF_TYPE: tuple[tuple[type, int], ...] = (
    (bool, BOOL),
    (int, NUMBER),
    (float, NUMBER),
    (str, STRING),
    (dict, OBJECT),
    (list, ARRAY),
    (tuple, ARRAY),
    (datetime, DATE),
)


def rank(value: Any) -> int:
    if value is EMPTY_ARRAY:
        return EMPTY
    if value is None:
        return NULL
    for kind, its_rank in _RANK_OF_TYPE:
        if isinstance(value, kind):
            return its_rank
    raise TypeError(f"no sort order for {type(value).__name__}")


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 as `a` sorts before, with or after `b` in an ascending sort."""
    ra, rb = rank(a), rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra in (EMPTY, NULL):
        return 0
    if ra == STRING:
        return _sign(a.encode(), b.encode())
    if ra == OBJECT:
        return _compare_objects(a, b)
    if ra == ARRAY:
        return _compare_sequences(list(a), list(b))
    return _sign(a, b)


def _sign(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def _compare_objects(a: dict[str, Any], b: dict[str, Any]) -> int:
    """Pair by pair in stored order: the value's type, then the key, then the value; a prefix sorts first."""
    for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=False):
        for step in (_sign(rank(va), rank(vb)), _sign(ka.encode(), kb.encode()), compare(va, vb)):
            if step:
                return step
    return _sign(len(a), len(b))


def _compare_sequences(a: list[Any], b: list[Any]) -> int:
    for va, vb in zip(a, b, strict=False):
        if step := compare(va, vb):
            return step
    return _sign(len(a), len(b))


def key_of(document: dict[str, Any], path: str, direction: int, *, through_arrays: bool = True) -> Any:
    """The value a sort on `path` compares for this document (store names, dotted).

    `through_arrays`: whether a path crossing an array of objects reaches into its elements, as MongoDB
    does; FerretDB 1.24 does not and sorts such a document as if the field were missing."""
    candidates = _values_at(document, path.split("."), through_arrays)
    if not candidates:
        return None
    values: list[Any] = []
    for value in candidates:
        if isinstance(value, list):
            values.extend(value)
            if not value and len(candidates) == 1:
                return EMPTY_ARRAY
        else:
            values.append(value)
    if not values:
        return None
    ordered = functools.cmp_to_key(compare)
    return min(values, key=ordered) if direction == 1 else max(values, key=ordered)


def _values_at(value: Any, segments: list[str], through_arrays: bool) -> list[Any]:
    """The values found at `segments` under `value`; a missing step finds nothing."""
    if not segments:
        return [value]
    head, rest = segments[0], segments[1:]
    if isinstance(value, dict):
        return _values_at(value[head], rest, through_arrays) if head in value else []
    if isinstance(value, list) and through_arrays:
        found: list[Any] = []
        for element in value:
            if isinstance(element, dict):
                found.extend(_values_at(element, segments, through_arrays) or [None])
        return found
    return []


def keys_of(document: dict[str, Any], sort: SortKeys, *, through_arrays: bool = True) -> list[Any]:
    return [key_of(document, name, direction, through_arrays=through_arrays) for name, direction in sort]


def comes_after(keys: Sequence[Any], cursor: Sequence[Any], sort: SortKeys) -> bool:
    """Whether a document with these sort keys comes strictly after the cursor's in this sort."""
    for key, last, (_, direction) in zip(keys, cursor, sort, strict=True):
        if step := compare(key, last):
            return step == direction
    return False


def after_filter(name: str, direction: int, value: Any) -> dict[str, Any]:
    """A store filter selecting at least every document whose key for `name` comes strictly after `value`.

    It may select more (an array matches a comparison when any element does, whatever its key); the caller
    drops those with `comes_after`. It never selects fewer."""
    same = within_rank_after(name, direction, value)
    branches = ([same] if same else []) + [rank_filter(name, r) for r in later_ranks(value, direction)]
    if not branches:
        return {"_id": {"$in": []}}
    return branches[0] if len(branches) == 1 else {"$or": branches}


def later_ranks(value: Any, direction: int) -> list[int]:
    """The ranks whose keys all come after `value` in this direction, in the order they come."""
    here = rank(value)
    return [r for r in RANKS if r > here] if direction == 1 else [r for r in reversed(RANKS) if r < here]


def within_rank_after(name: str, direction: int, value: Any) -> dict[str, Any] | None:
    """A store filter selecting at least every document whose key has `value`'s type and comes strictly
    after it; None when no key of that type can (null, the empty array)."""
    here = rank(value)
    if here in COMPARABLE:
        return {name: {"$gt" if direction == 1 else "$lt": value}}
    if here in (OBJECT, ARRAY):
        return {name: {"$type": TYPE_ALIASES[here]}}
    return None


def rank_filter(name: str, its_rank: int) -> dict[str, Any]:
    """A store filter selecting at least every document whose key for `name` has this rank."""
    if its_rank == EMPTY:
        return {name: {"$size": 0}}
    if its_rank == NULL:
        return {name: None}  # null or missing
    return {name: {"$type": TYPE_ALIASES[its_rank]}}


def equal_filter(name: str, value: Any) -> dict[str, Any]:
    """A store filter selecting at least every document whose key for `name` equals `value`."""
    here = rank(value)
    if here == EMPTY:
        return {name: {"$size": 0}}
    if here == OBJECT:
        return {name: {"$type": "object"}}
    return {name: value}  # null also selects missing; a number selects its equals of any width
