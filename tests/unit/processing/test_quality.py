"""The quality step and its configuration: completeness per partner, malformed files refused at start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eventkit.settings import Env, SettingsError
from processing_svc.domain.errors import InvalidExpectedFields
from processing_svc.domain.steps.quality import ExpectedFields, Quality
from processing_svc.settings import DEFAULT_EXPECTED_FIELDS, Settings
from tests.unit.processing.support import NoDuplicates, work

EXPECTED = ExpectedFields(("name", "email"), {"partner123": ("name", "email", "address.city", "age")})


def test_scores_against_the_partners_fields() -> None:
    payload = {"name": "Ada", "email": "", "address": {"city": "London"}, "age": 0}
    details = Quality(EXPECTED).run(work(payload, "partner123"), NoDuplicates()).details
    assert details == {
        "completeness": 0.75,
        "expected": ["name", "email", "address.city", "age"],
        "missing": ["email"],
    }


def test_unlisted_partners_get_the_default() -> None:
    details = Quality(EXPECTED).run(work({"name": "Ada"}, "someone"), NoDuplicates()).details
    assert details["completeness"] == 0.5
    assert details["missing"] == ["email"]


def test_no_expected_fields_scores_one() -> None:
    details = Quality(ExpectedFields(())).run(work({}), NoDuplicates()).details
    assert details["completeness"] == 1.0


def test_the_version_changes_with_the_configuration() -> None:
    assert Quality(EXPECTED).version != Quality(ExpectedFields(("name",))).version
    assert Quality(EXPECTED).version == Quality(ExpectedFields(("name", "email"), EXPECTED.partners)).version


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "must be a JSON object"),
        ({"default": "name"}, "'default' must be a list"),
        ({"default": ["name", 3]}, "'default' must hold only non-empty strings"),
        ({"default": ["a", "a"]}, "names a field twice"),
        ({"default": [], "partners": []}, "'partners' must be an object"),
        ({"default": [], "partners": {"p1": [""]}}, "'partners.p1' must hold only non-empty strings"),
        ({"default": [], "extra": 1}, "unknown keys"),
        ({"partners": {}}, "'default' must be a list"),
    ],
)
def test_malformed_documents_name_the_problem(document: object, problem: str) -> None:
    with pytest.raises(InvalidExpectedFields, match=problem):
        ExpectedFields.from_document(document)


def test_settings_read_the_file_named_by_the_variable(tmp_path: Path) -> None:
    path = tmp_path / "fields.json"
    path.write_text(json.dumps({"default": ["a"], "partners": {"p": ["b"]}}))
    settings = Settings.from_env(Env({"PROCESSING_EXPECTED_FIELDS_FILE": str(path)}))
    assert settings.expected_fields == ExpectedFields(("a",), {"p": ("b",)})


def test_the_default_file_is_valid() -> None:
    assert Settings.from_env(Env({})).expected_fields.default
    assert DEFAULT_EXPECTED_FIELDS.is_file()


@pytest.mark.parametrize(
    ("content", "problem"),
    [("{not json", "is not valid JSON"), ('{"default": 1}', "'default' must be a list")],
)
def test_a_malformed_file_fails_start_up_naming_variable_and_problem(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "fields.json"
    path.write_text(content)
    with pytest.raises(SettingsError, match=f"PROCESSING_EXPECTED_FIELDS_FILE: {path}.*{problem}"):
        Settings.from_env(Env({"PROCESSING_EXPECTED_FIELDS_FILE": str(path)}))


def test_a_missing_file_fails_start_up(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PROCESSING_EXPECTED_FIELDS_FILE: cannot read"):
        Settings.from_env(Env({"PROCESSING_EXPECTED_FIELDS_FILE": str(tmp_path / "absent.json")}))
