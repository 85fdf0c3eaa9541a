"""The enrich step: counts, size in bytes, age group; an implausible age is a data failure."""

from __future__ import annotations

import pytest

from processing_svc.domain.errors import StepRejected
from processing_svc.domain.steps.enrich import Enrich, age_group
from tests.unit.processing.support import NoDuplicates, work


def test_counts_fields_attributes_and_bytes() -> None:
    payload = {"name": "Zoë", "address": {"city": "Paris", "geo": {"lat": 1}}, "tags": [{"k": 1}]}
    details = Enrich().run(work(payload), NoDuplicates()).details
    assert details["field_count"] == 3
    assert details["attribute_count"] == 3 + 2 + 1 + 1  # top level, address, geo, the object in tags
    expected = '{"address":{"city":"Paris","geo":{"lat":1}},"name":"Zoë","tags":[{"k":1}]}'
    assert details["payload_bytes"] == len(expected.encode("utf-8"))
    assert "age_group" not in details


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
