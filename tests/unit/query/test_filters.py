"""The filter compiler: every allowed filter compiles to its MongoDB equivalent; every forbidden one is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from query_svc.domain.errors import InvalidQuery
from query_svc.domain.filters import MAX_DEPTH, compile_filter

FIELDS = ["id", "partner_id", "status", "version", "payload.age", "payload.tags", "validation.status"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(max_size=8), st.floats(allow_nan=False)
)
Pair = tuple[Any, Any]  # (public filter, expected store filter)


def _store(field: str) -> str:
    return "_id" if field == "id" else field


def _condition() -> st.SearchStrategy[Any]:
    comparison = st.tuples(st.sampled_from(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]), SCALARS)
    listing = st.tuples(st.sampled_from(["$in", "$nin", "$all"]), st.lists(SCALARS, max_size=5))
    exists = st.tuples(st.just("$exists"), st.booleans())
    size = st.tuples(st.just("$size"), st.integers(0, 10))
    regex = st.tuples(st.just("$regex"), st.sampled_from(["^a", "b$", "a.c", "[0-9]+"]))
    single = st.one_of(comparison, listing, exists, size, regex).map(lambda t: {t[0]: t[1]})
    negated = single.map(lambda c: {"$not": c})
    return st.one_of(SCALARS, single, negated, single.map(lambda c: {"$elemMatch": c}))


def _leaf() -> st.SearchStrategy[Pair]:
    return st.tuples(st.sampled_from(FIELDS), _condition()).map(
        lambda t: ({t[0]: t[1]}, {_store(t[0]): t[1]})
    )


def _logical(children: st.SearchStrategy[Pair]) -> st.SearchStrategy[Pair]:
    return st.tuples(
        st.sampled_from(["$and", "$or", "$nor"]), st.lists(children, min_size=1, max_size=3)
    ).map(lambda t: ({t[0]: [c[0] for c in t[1]]}, {t[0]: [c[1] for c in t[1]]}))


ALLOWED: st.SearchStrategy[Pair] = st.recursive(_leaf(), _logical, max_leaves=6)

FORBIDDEN = [
    {"$where": "this.a == 1"},
    {"$expr": {"$gt": ["$version", 1]}},
    {"$function": {"body": "x", "args": [], "lang": "js"}},
    {"$accumulator": {}},
    {"$jsonSchema": {}},
    {"payload.age": {"$foo": 1}},
    {"payload.age": {"$where": "1"}},
    {"payload.doc": {"x": {"$gt": 1}}},
    {"payload.doc": {"a.b": 1}},
    {"payload.age": {"$in": list(range(1001))}},
    {"_events": 1},
    {"secret": 1},
    {"payload.$x": 1},
    {"payload..x": 1},
    {"payload.age": {"$regex": "(a+)+$"}},
    {"payload.age": {"$regex": "(a|aa)*"}},
    {"payload.age": {"$regex": "x" * 300}},
    {"payload.age": {"$regex": "("}},
    {"payload.age": {"$options": "i"}},
    {"payload.age": {"$regex": "a", "$options": "e"}},
    {"payload.age": {"$size": -1}},
    {"payload.age": {"$exists": "yes"}},
    {"$or": []},
    {"$and": {"a": 1}},
    {"timestamp": "yesterday"},
]


@settings(max_examples=300, deadline=None)
@given(ALLOWED)
def test_every_allowed_filter_compiles_to_its_equivalent(pair: Pair) -> None:
    public, expected = pair
    assert compile_filter(public) == expected


@settings(max_examples=300, deadline=None)
@given(ALLOWED, st.sampled_from(FORBIDDEN), st.sampled_from(["$and", "$or", "$nor"]))
def test_a_forbidden_construct_anywhere_is_refused(pair: Pair, bad: dict[str, Any], logical: str) -> None:
    with pytest.raises(InvalidQuery):
        compile_filter({logical: [pair[0], bad]})
    with pytest.raises(InvalidQuery):
        compile_filter({"$and": [{logical: [bad]}, pair[0]]})


@pytest.mark.parametrize("bad", FORBIDDEN)
def test_each_forbidden_construct_is_refused_naming_it(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidQuery) as refused:
        compile_filter(bad)
    assert "filter" in str(refused.value)


def test_the_refusal_names_the_offending_operator() -> None:
    with pytest.raises(InvalidQuery, match=r"\$where"):
        compile_filter({"$or": [{"status": "complete"}, {"$where": "1"}]})


def test_date_fields_take_rfc3339_strings() -> None:
    compiled = compile_filter({"timestamp": {"$gte": "2026-01-01T00:00:00Z"}})
    assert compiled == {"timestamp": {"$gte": datetime(2026, 1, 1, tzinfo=UTC)}}
    with pytest.raises(InvalidQuery):
        compile_filter({"timestamp": {"$gte": "2026-01-01T00:00:00"}})


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    nested: dict[str, Any] = {"status": "complete"}
    for _ in range(MAX_DEPTH):
        nested = {"$and": [nested]}
    with pytest.raises(InvalidQuery, match="deeper"):
        compile_filter(nested)


def test_in_with_exactly_the_limit_passes() -> None:
    assert compile_filter({"version": {"$in": list(range(1000))}}) == {"version": {"$in": list(range(1000))}}


def test_a_filter_must_be_an_object() -> None:
    with pytest.raises(InvalidQuery):
        compile_filter([{"status": "complete"}])
