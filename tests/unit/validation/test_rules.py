"""Rules as data: each rule type, table-driven, plus the shipped default (the seed's rules)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.validation.rule_books import ruleset, shipped
from validation_svc.domain.rules import Violation

CASES: list[tuple[str, dict[str, Any], dict[str, Any], list[tuple[str, str]]]] = [
    # (case, rule, payload, expected (rule, field) violations)
    ("required present", {"rule": "required", "field": "a"}, {"a": 0}, []),
    ("required null still present", {"rule": "required", "field": "a"}, {"a": None}, []),
    ("required missing", {"rule": "required", "field": "a"}, {}, [("required", "a")]),
    ("required nested missing", {"rule": "required", "field": "x.y"}, {"x": {}}, [("required", "x.y")]),
    ("required nested parent absent", {"rule": "required", "field": "x.y"}, {}, [("required", "x.y")]),
    ("type string ok", {"rule": "type", "field": "a", "type": "string"}, {"a": "s"}, []),
    ("type string bad", {"rule": "type", "field": "a", "type": "string"}, {"a": 1}, [("type", "a")]),
    ("type absent is fine", {"rule": "type", "field": "a", "type": "string"}, {}, []),
    ("type bool not number", {"rule": "type", "field": "a", "type": "number"}, {"a": True}, [("type", "a")]),
    ("type integer float", {"rule": "type", "field": "a", "type": "integer"}, {"a": 2.5}, [("type", "a")]),
    ("type integer whole", {"rule": "type", "field": "a", "type": "integer"}, {"a": 2.0}, []),
    ("type null", {"rule": "type", "field": "a", "type": "null"}, {"a": None}, []),
    ("type array", {"rule": "type", "field": "a", "type": "array"}, {"a": {}}, [("type", "a")]),
    (
        "type wildcard",
        {"rule": "type", "field": "o.*", "type": "scalar"},
        {"o": {"b": [1], "a": 1, "c": {}}},
        [("type", "o.b"), ("type", "o.c")],
    ),
    ("range inside", {"rule": "range", "field": "n", "min": 0, "max": 10}, {"n": 10}, []),
    ("range below", {"rule": "range", "field": "n", "min": 0}, {"n": -0.5}, [("range", "n")]),
    ("range above", {"rule": "range", "field": "n", "max": 10}, {"n": 11}, [("range", "n")]),
    ("range ignores strings", {"rule": "range", "field": "n", "max": 10}, {"n": "99"}, []),
    ("length short", {"rule": "length", "field": "s", "min": 2}, {"s": "a"}, [("length", "s")]),
    ("length long list", {"rule": "length", "field": "s", "max": 1}, {"s": [1, 2]}, [("length", "s")]),
    ("length ok", {"rule": "length", "field": "s", "min": 1, "max": 3}, {"s": "abc"}, []),
    ("regex match", {"rule": "regex", "field": "e", "pattern": "^[^@]+@[^@]+$"}, {"e": "a@b"}, []),
    (
        "regex miss",
        {"rule": "regex", "field": "e", "pattern": "^[^@]+@[^@]+$"},
        {"e": "ab"},
        [("regex", "e")],
    ),
    ("allowed in", {"rule": "allowed", "field": "c", "values": ["red", "blue"]}, {"c": "red"}, []),
    ("allowed out", {"rule": "allowed", "field": "c", "values": ["red"]}, {"c": "pink"}, [("allowed", "c")]),
    (
        "allowed keeps 1 and true apart",
        {"rule": "allowed", "field": "c", "values": [1]},
        {"c": True},
        [("allowed", "c")],
    ),
    (
        "array index path",
        {"rule": "type", "field": "items.1.sku", "type": "string"},
        {"items": [{"sku": 1}, {"sku": 2}]},
        [("type", "items.1.sku")],
    ),
    (
        "array wildcard path",
        {"rule": "type", "field": "items.*.sku", "type": "string"},
        {"items": [{"sku": 1}, {"sku": "x"}, 5]},
        [("type", "items.0.sku")],
    ),
]


@pytest.mark.parametrize(("rule", "payload", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(rule: dict[str, Any], payload: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    violations = ruleset(rule).validate(payload)
    assert [(v.rule, v.field) for v in violations] == expected
    assert all(v.message for v in violations)


SEED_CASES: list[tuple[dict[str, Any], list[Violation]]] = [
    ({"name": "Ada", "age": 30, "attributes": {"color": "red", "n": 1, "ok": True, "x": None}}, []),
    ({"name": "Ada"}, []),
    ({}, [Violation("required", "name", "Is required.")]),
    ({"name": ""}, [Violation("length", "name", "Length must be at least 1.")]),
    ({"name": 7}, [Violation("type", "name", "Must be of type string.")]),
    ({"name": "Ada", "age": 121}, [Violation("range", "age", "Must be at least 0 and at most 120.")]),
    ({"name": "Ada", "age": "30"}, [Violation("type", "age", "Must be of type number.")]),
    ({"name": "Ada", "attributes": []}, [Violation("type", "attributes", "Must be of type object.")]),
    (
        {"name": "Ada", "attributes": {"tags": ["a"]}},
        [Violation("type", "attributes.tags", "Must be of type scalar.")],
    ),
    (
        {"age": -1, "attributes": 3},
        [
            Violation("required", "name", "Is required."),
            Violation("range", "age", "Must be at least 0 and at most 120."),
            Violation("type", "attributes", "Must be of type object."),
        ],
    ),
]


@pytest.mark.parametrize(("payload", "expected"), SEED_CASES)
def test_the_shipped_default_carries_the_seed_rules(
    payload: dict[str, Any], expected: list[Violation]
) -> None:
    assert list(shipped().for_partner("partner123").validate(payload)) == expected


def test_a_payload_that_is_not_an_object_is_one_violation() -> None:
    assert [v.rule for v in shipped().for_partner("p").validate([1, 2])] == ["type"]
