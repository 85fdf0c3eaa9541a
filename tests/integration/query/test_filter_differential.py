"""Random allowed filters give the same records through the API as through a plain-Python evaluator."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from query_svc.bootstrap import Query
from tests.api_keys import TestKeys
from tests.integration.query.conftest import ClientFactory
from tests.unit.query.events import entry, ingested, validated

AGES = st.integers(0, 6)
TAGS = st.sampled_from(["a", "b", "c"])
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "payload.age": AGES,
    "payload.tag": TAGS,
    "version": st.integers(1, 2),
}
MISSING = object()


def _condition(field: str) -> st.SearchStrategy[dict[str, Any]]:
    values = FIELDS[field]
    scalar = st.tuples(st.sampled_from(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte"]), values)
    listed = st.tuples(st.sampled_from(["$in", "$nin"]), st.lists(values, max_size=3))
    exists = st.tuples(st.just("$exists"), st.booleans())
    return st.one_of(scalar, listed, exists).map(lambda t: {field: {t[0]: t[1]}})


LEAF = st.sampled_from(sorted(FIELDS)).flatmap(_condition)
FILTERS = st.recursive(
    LEAF,
    lambda children: st.tuples(
        st.sampled_from(["$and", "$or", "$nor"]), st.lists(children, min_size=1, max_size=3)
    ).map(lambda t: {t[0]: t[1]}),
    max_leaves=5,
)


def _get(doc: dict[str, Any], path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _op(value: Any, op: str, operand: Any) -> bool:
    present = value is not MISSING
    if op == "$exists":
        return bool(present == operand)
    if op in ("$ne", "$nin"):
        return not _op(value, "$eq" if op == "$ne" else "$in", operand)
    if not present:
        return False
    if op == "$in":
        return bool(value in operand)
    comparisons: dict[str, bool] = {
        "$eq": value == operand,
        "$gt": value > operand,
        "$gte": value >= operand,
        "$lt": value < operand,
        "$lte": value <= operand,
    }
    return comparisons[op]


def matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, value in query.items():
        if key in ("$and", "$or", "$nor"):
            results = [matches(doc, clause) for clause in value]
            ok = all(results) if key == "$and" else any(results) if key == "$or" else not any(results)
        else:
            ok = all(_op(_get(doc, key), op, operand) for op, operand in value.items())
        if not ok:
            return False
    return True


def test_the_api_agrees_with_a_python_evaluator(
    client_for: ClientFactory, keys: TestKeys, query: Query
) -> None:
    docs: list[dict[str, Any]] = []
    for i in range(12):
        data_id = str(uuid.uuid4())
        payload: dict[str, Any] = {"tag": "abc"[i % 3]}
        if i % 4:
            payload["age"] = i % 7
        events = [ingested(data_id, 1, payload, i), validated(data_id, 1, True, 50 + i)]
        if i % 5 == 0:
            events.append(ingested(data_id, 2, payload, 100 + i))
        for event in events:
            query.projector.apply(data_id, entry(event))
        doc: dict[str, Any] = {"id": data_id, "payload": payload, "version": 2 if i % 5 == 0 else 1}
        docs.append(doc)
    client = client_for(keys.partner)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(FILTERS)
    def check(public: dict[str, Any]) -> None:
        response = client.get("/query/all", query_string={"filter": json.dumps(public), "sort": "id"})
        assert response.status_code == 200, response.get_data(as_text=True)
        got = [item["id"] for item in response.get_json()]
        assert got == sorted(str(d["id"]) for d in docs if matches(d, public)), public

    check()
