"""The input checks every event store adapter shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from eventkit.eventstore.values import aware_utc, canonical_event_id, check_json_document


def test_event_ids_are_kept_in_canonical_form() -> None:
    assert (
        canonical_event_id("6F9619FF-8B86-D011-B42D-00C04FC964FF") == "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    )
    with pytest.raises(ValueError, match="UUID"):
        canonical_event_id("42")


def test_moments_must_name_an_instant_and_are_kept_in_utc() -> None:
    moment = datetime(2024, 1, 1, 7, tzinfo=timezone(timedelta(hours=-5)))
    assert aware_utc(moment, "t") == datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert aware_utc(moment, "t").tzinfo is UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        aware_utc(datetime(2024, 1, 1), "t")


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ({"a": [1, {"b": "x\x00"}]}, r"a\[1\]\.b must not contain the NUL"),
        ({"a\x00": 1}, "NUL"),
        ({"a": "\ud800"}, "lone surrogate"),
        ({"a": float("inf")}, "finite"),
        ({"a": {1, 2}}, "must be JSON"),
        ({1: "a"}, "must be a string"),
    ],
)
def test_documents_a_jsonb_column_cannot_hold_are_refused_naming_the_place(
    document: dict[object, object], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        check_json_document(document, "data")  # type: ignore[arg-type]


def test_json_documents_pass() -> None:
    check_json_document({"a": [1, 2.5, None, True, "é", {"b": []}], "c": (1, 2)}, "data")
