"""Turns list parameters (filter JSON, `field__op=value`, sort, fields, limit, cursor) into a query."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts import MAX_JSON_DEPTH
from eventkit.json_text import parse_json
from query_svc.application.cursor import CursorCodec, query_fingerprint
from query_svc.application.ports import ListRequest
from query_svc.domain.errors import InvalidQuery
from query_svc.domain.filters import (
    DATE_FIELDS,
    TOP_FIELDS,
    compile_filter,
    field_name,
    names_payload,
    parse_date,
)
from query_svc.domain.sort_order import (
    COMPARABLE,
    after_filter,
    equal_filter,
    later_ranks,
    rank,
    rank_filter,
    within_rank_after,
)
from query_svc.domain.view import ERASED_STATUS

RESERVED = frozenset({"filter", "sort", "fields", "limit", "cursor"})
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# What a cursor may hold for each sort key (store names): what the view stores there.
SORT_TYPES: dict[str, tuple[type, ...]] = {
    **{field_name(name): (datetime, type(None)) for name in DATE_FIELDS & TOP_FIELDS},
    "_id": (str,),
    "partner_id": (str,),
    "status": (str,),
    "version": (int,),
}
NOT_ERASED: dict[str, Any] = {"status": {"$ne": ERASED_STATUS}}  # what a filter on payload fields adds
STRING_FIELDS = frozenset({"id", "partner_id", "status", "validation.status", "processing.status"})
SHORTHAND_OPS = frozenset(
    {"eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "all", "exists", "regex", "size"}
)
_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None}
# ASCII digits: int() and float() also read other scripts' digits, which no caller means as a number.
_INTEGER = re.compile(r"-?[0-9]{1,18}\Z")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z")


@dataclass(frozen=True)
class ListQuery:
    """A list request ready for the reader, and what the next page's cursor must be bound to."""

    request: ListRequest
    fingerprint: str


def build_list_query(params: Mapping[str, Any], scope: dict[str, Any], cursors: CursorCodec) -> ListQuery:
    """Builds the query; `scope` is ANDed with everything the caller wrote (partner isolation)."""
    clauses = [scope]
    raw_filter = params.get("filter")
    if raw_filter not in (None, ""):
        clauses.append(compile_filter(_json_filter(raw_filter)))
    shorthand = {k: v for k, v in params.items() if k not in RESERVED}
    if shorthand:
        clauses.append(compile_filter(_shorthand(shorthand)))
    if names_payload(clauses):
        # An erased record has no payload, so a negation ($ne, $nin, $nor, $exists: false) would match it.
        clauses.append(NOT_ERASED)
    scoped = {"$and": clauses}
    sort = parse_sort(params.get("sort"))
    fingerprint = query_fingerprint(scoped, sort)
    cursor = params.get("cursor")
    after: tuple[Any, ...] | None = None
    brackets: tuple[tuple[int, dict[str, Any]], ...] = ()
    if cursor:
        values = cursors.decode(str(cursor), fingerprint, sort)
        if is_scalar_key(sort[0][0]):
            scoped = {"$and": [*clauses, keyset_after(sort, values)]}
        else:
            brackets = keyset_brackets(sort, values)
        if not all(is_scalar_key(name) for name, _ in sort):
            after = tuple(values)
    request = ListRequest(
        scoped,
        sort,
        parse_fields(params.get("fields")),
        parse_limit(params.get("limit")),
        after=after,
        brackets=brackets,
    )
    return ListQuery(request, fingerprint)


def _json_filter(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw  # POST bodies carry the filter already parsed
    try:
        return parse_json(raw, MAX_JSON_DEPTH)  # the filter language refuses deeper ones with their path
    except ValueError as error:
        raise InvalidQuery(f"filter {error}") from None


def _shorthand(params: Mapping[str, Any]) -> dict[str, Any]:
    """`field=value` and `field__op=value` as a filter object, with values typed as docs/query.md says."""
    built: dict[str, dict[str, Any]] = {}
    for key, raw in params.items():
        name, _, op = str(key).partition("__")
        op = op or "eq"
        if op not in SHORTHAND_OPS:
            raise InvalidQuery(f"{key}: unknown shorthand operator {op!r}; allowed: {sorted(SHORTHAND_OPS)}")
        field_name(name)
        built.setdefault(name, {})[f"${op}"] = _shorthand_value(name, op, str(raw))
    return built


def _shorthand_value(name: str, op: str, text: str) -> Any:
    if op in ("in", "nin", "all"):
        return [typed_value(name, part) for part in text.split(",")] if text else []
    if op == "exists":
        return _boolean(text, name)
    if op == "size":
        if not _INTEGER.match(text):
            raise InvalidQuery(f"{name}__size: must be an integer")
        return int(text)
    if op == "regex":
        return text
    return typed_value(name, text)


def typed_value(name: str, text: str) -> Any:
    """Types a shorthand value: dates by field, text fields as text, else number, boolean, null or text."""
    if name in DATE_FIELDS:
        return parse_date(text, name)
    if name in STRING_FIELDS:
        return text
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    if _INTEGER.match(text):
        return int(text)
    if _NUMBER.match(text):
        return float(text)
    return text


def _boolean(text: str, name: str) -> bool:
    if text not in ("true", "false"):
        raise InvalidQuery(f"{name}: must be true or false")
    return text == "true"


def parse_sort(raw: Any) -> tuple[tuple[str, int], ...]:
    """`-timestamp,payload.age` → store sort keys, always ending with the id so the order is total."""
    keys: list[tuple[str, int]] = []
    for part in str(raw or "timestamp").split(","):
        name = part.strip().lstrip("-")
        try:
            store = field_name(name)
        except InvalidQuery:
            raise InvalidQuery(
                f"sort: {name!r} is not sortable; use {sorted(TOP_FIELDS)} or payload.*, validation.*, "
                "processing.* (the same field names filters take)"
            ) from None
        if any(store == existing for existing, _ in keys):
            raise InvalidQuery(f"sort: {name!r} given twice")
        keys.append((store, -1 if part.strip().startswith("-") else 1))
    if all(name != "_id" for name, _ in keys):
        keys.append(("_id", keys[-1][1]))
    return tuple(keys)


def is_scalar_key(name: str) -> bool:
    """Whether a sort key is one of the view's own fields, which hold one type (or null) and never arrays."""
    return name in SORT_TYPES


def keyset_after(sort: tuple[tuple[str, int], ...], values: list[Any]) -> dict[str, Any]:
    """The condition 'after the row with these sort values' in the given order.

    On the view's own fields it is exact, and the bound on the first key it implies lets an index seek to
    the page instead of walking every row before it. A payload, validation or processing field may hold
    any type, arrays included: there it selects a superset, in MongoDB's order of types (see
    domain.sort_order), and the reader drops what does not come after with `comes_after`.
    """
    branches = []
    for i, (name, direction) in enumerate(sort):
        clauses = [_equal(sort[j][0], values[j]) for j in range(i)]
        clauses.append(_after(name, direction, values[i]))
        branches.append(_conjunction(clauses))
    first, direction = sort[0]
    if values[0] is None or not is_scalar_key(first):
        return {"$or": branches}
    return {"$and": [{first: {"$gte" if direction == 1 else "$lte": values[0]}}, {"$or": branches}]}


def keyset_brackets(
    sort: tuple[tuple[str, int], ...], values: list[Any]
) -> tuple[tuple[int, dict[str, Any]], ...]:
    """'After the row with these sort values' when the first key is a payload (or validation, processing)
    field, as one condition per type bracket of that key, in sort order: first the keys of the cursor's
    own type after it (a range an index on the field answers), then each later type whole. The reader
    reads them in turn and keeps, from each, the records whose key has that bracket's type and comes
    after the cursor, so a page over a field of one type touches one bracket, seeking its index."""
    (first, direction), rest = sort[0], sort[1:]
    ties = _conjunction([equal_filter(first, values[0]), keyset_after(rest, values[1:])])
    same = within_rank_after(first, direction, values[0])
    own = {"$or": [same, ties]} if same else ties
    if rank(values[0]) in COMPARABLE:
        # Implied, and true of an array too (its key is one of its elements): a bound an index seeks to.
        own = {"$and": [{first: {"$gte" if direction == 1 else "$lte": values[0]}}, own]}
    brackets = [(rank(values[0]), own)]
    brackets += [(later, rank_filter(first, later)) for later in later_ranks(values[0], direction)]
    return tuple(brackets)


def _conjunction(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    """The clauses ANDed: one document when their fields differ and none is an operator, else `$and`."""
    names = [name for clause in clauses for name in clause]
    if len(set(names)) == len(names) and not any(name.startswith("$") for name in names):
        return {name: value for clause in clauses for name, value in clause.items()}
    return {"$and": clauses}


def _equal(name: str, value: Any) -> dict[str, Any]:
    return {name: value} if is_scalar_key(name) else equal_filter(name, value)


def _after(name: str, direction: int, value: Any) -> dict[str, Any]:
    if is_scalar_key(name):
        return {name: {"$gt" if direction == 1 else "$lt": value}}
    return after_filter(name, direction, value)


def parse_fields(raw: Any) -> tuple[str, ...] | None:
    if not raw:
        return None
    names = [part.strip() for part in str(raw).split(",") if part.strip()]
    return tuple(_projected(name) for name in names)


def _projected(name: str) -> str:
    """A `fields=` name as the reader projects it: top-level names as given, nested paths in store form."""
    if name in ("payload", "validation", "processing", "external_id", "content_hash"):
        return name
    store = field_name(name)
    return store if "." in name else name


def parse_limit(raw: Any) -> int:
    return DEFAULT_LIMIT if raw in (None, "") else bounded_int(raw, "limit", 1, MAX_LIMIT)


def bounded_int(raw: Any, name: str, low: int, high: int) -> int:
    """`raw` (an integer or its ASCII digits) as an integer from `low` to `high`, or InvalidQuery."""
    text = str(raw)
    if not _INTEGER.match(text) or not low <= int(text) <= high:
        raise InvalidQuery(f"{name} must be an integer from {low} to {high}")
    return int(text)
