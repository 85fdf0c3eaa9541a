"""The rules document: per-partner rules extend or override the default; malformed documents are named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from validation_svc.adapters.rules_file import load_rule_book
from validation_svc.domain.errors import RulesInvalid
from validation_svc.domain.rules_document import read_rule_book

DOCUMENT: dict[str, Any] = {
    "version": "7",
    "default": [
        {"rule": "required", "field": "name"},
        {"rule": "range", "field": "age", "min": 0, "max": 120},
    ],
    "partners": {
        "partner456": [
            {"rule": "range", "field": "age", "min": 18, "max": 65},
            {"rule": "required", "field": "attributes.color"},
            {"rule": "allowed", "field": "attributes.color", "values": ["red", "blue"]},
        ]
    },
}


def test_a_partner_without_own_rules_gets_the_default_and_its_version() -> None:
    ruleset = read_rule_book(DOCUMENT).for_partner("partner123")
    assert ruleset.version == "7"
    assert [v.field for v in ruleset.validate({"age": 17})] == ["name"]


def test_partner_rules_override_same_kind_and_path_and_extend_the_rest() -> None:
    ruleset = read_rule_book(DOCUMENT).for_partner("partner456")
    assert ruleset.version == "7+partner456"
    violations = ruleset.validate({"age": 17, "attributes": {"color": "green"}})
    assert [(v.rule, v.field) for v in violations] == [
        ("required", "name"),
        ("range", "age"),
        ("allowed", "attributes.color"),
    ]
    assert violations[1].message == "Must be at least 18 and at most 65."


MALFORMED: list[tuple[Any, str]] = [
    ([], "must be a JSON object"),
    ({"default": []}, "'version' must be a non-empty string"),
    ({"version": "1"}, "'default' must be a list of rules"),
    ({"version": "1", "default": [], "extra": 1}, "unknown key(s) 'extra'"),
    ({"version": "1", "default": [], "partners": []}, "'partners' must be an object"),
    ({"version": "1", "default": ["x"]}, "default[0] must be an object"),
    ({"version": "1", "default": [{"rule": "between", "field": "a"}]}, "default[0].rule must be one of"),
    (
        {"version": "1", "default": [{"rule": "required", "field": "a..b"}]},
        "default[0].field must be a dotted",
    ),
    ({"version": "1", "default": [{"rule": "required", "field": "a.*"}]}, "cannot use '*'"),
    (
        {"version": "1", "default": [{"rule": "type", "field": "a", "type": "date"}]},
        "default[0].type must be",
    ),
    ({"version": "1", "default": [{"rule": "range", "field": "a"}]}, "needs 'min', 'max' or both"),
    ({"version": "1", "default": [{"rule": "range", "field": "a", "min": 5, "max": 1}]}, "is above 'max'"),
    (
        {"version": "1", "default": [{"rule": "range", "field": "a", "min": "0"}]},
        "default[0].min must be a number",
    ),
    ({"version": "1", "default": [{"rule": "regex", "field": "a", "pattern": "("}]}, "not a valid regular"),
    (
        {"version": "1", "default": [{"rule": "allowed", "field": "a", "values": []}]},
        "non-empty list of scalar",
    ),
    ({"version": "1", "default": [{"rule": "required", "field": "a", "min": 1}]}, "unknown key(s) 'min'"),
    (
        {"version": "1", "default": [], "partners": {"p": [{"rule": "required", "field": "a"}] * 2}},
        "partners.p[1]: a second 'required' rule on 'a'",
    ),
]


@pytest.mark.parametrize(("document", "problem"), MALFORMED)
def test_a_malformed_document_is_refused_naming_the_problem(document: Any, problem: str) -> None:
    with pytest.raises(RulesInvalid, match=None) as raised:
        read_rule_book(document)
    assert problem in str(raised.value)


def test_the_file_loader_names_the_file_and_refuses_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text('{"version": "1", "default": [}', encoding="utf-8")
    with pytest.raises(RulesInvalid, match=f"{path} is not valid JSON"):
        load_rule_book(path)
    path.write_text(
        json.dumps({"version": "1", "default": [{"rule": "nope", "field": "a"}]}), encoding="utf-8"
    )
    with pytest.raises(RulesInvalid, match=rf"{path}: default\[0\]\.rule"):
        load_rule_book(path)
    with pytest.raises(RulesInvalid, match="cannot read"):
        load_rule_book(tmp_path / "missing.json")
