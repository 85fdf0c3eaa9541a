"""The enrich step: counts, size in bytes, age group; an implausible age is a data failure."""

from __future__ import annotations

import pytest

from processing_svc.domain.errors import StepRejected
from processing_svc.domain.steps.enrich import Enrich, age_group
from tests.unit.processing.support import NoDuplicates, work


def test_counts_fields_attributes_and_bytes() -> None:
    payload = {"name": "Zoë", "attributes": {"k1": "a", "k2": {"deep": 1}}, "tags": [{"k": 1}]}
    details = Enrich().run(work(payload), NoDuplicates()).details
    assert details["field_count"] == 3
    assert details["attribute_count"] == 2
    expected = '{"attributes":{"k1":"a","k2":{"deep":1}},"name":"Zoë","tags":[{"k":1}]}'
    assert details["payload_bytes"] == len(expected.encode("utf-8"))
    assert "age_group" not in details


@pytest.mark.parametrize("payload", [{}, {"attributes": None}])
def test_no_attributes_count_zero(payload: dict[str, object]) -> None:
    assert Enrich().run(work(payload), NoDuplicates()).details["attribute_count"] == 0


@pytest.mark.parametrize("attributes", [["a"], "a=1", 3])
def test_attributes_that_are_not_an_object_are_rejected(attributes: object) -> None:
    with pytest.raises(StepRejected, match="attributes must be an object"):
        Enrich().run(work({"attributes": attributes}), NoDuplicates())


@pytest.mark.parametrize(
    ("age", "group"),
    [
        (0, "child"),
        (12.5, "child"),
        (13, "teen"),
        (18, "young_adult"),
        (30, "adult"),
        (65, "senior"),
        (150, "senior"),
    ],
)
def test_age_groups(age: float, group: str) -> None:
    assert age_group(age) == group
    assert Enrich().run(work({"age": age}), NoDuplicates()).details["age_group"] == group


@pytest.mark.parametrize("age", [-1, 151, "thirty", True, [30]])
def test_an_implausible_age_is_rejected_with_the_reason(age: object) -> None:
    with pytest.raises(StepRejected, match="age must be a number from 0 to 150"):
        Enrich().run(work({"age": age}), NoDuplicates())


def test_a_null_age_gets_no_group() -> None:
    assert "age_group" not in Enrich().run(work({"age": None}), NoDuplicates()).details
