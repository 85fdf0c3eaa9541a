"""The fingerprint step: SHA-256 of canonical JSON, stable under key order and whitespace; duplicate_of."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from contracts import content_hash
from processing_svc.adapters.memory import InMemoryDuplicateIndex
from processing_svc.domain.steps.base import Work
from processing_svc.domain.steps.fingerprint import Fingerprint, fingerprint_of
from processing_svc.domain.steps.normalize import normalize_value
from tests.unit.processing.support import NoDuplicates, work

words = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=6)
flat_payloads = st.dictionaries(words, words | st.integers(), min_size=1, max_size=6)
spaces = st.sampled_from(["", " ", "  ", "\t", "\n "])


def test_matches_the_contracts_content_hash() -> None:
    payload = {"b": [1, 2], "a": "é"}
    assert fingerprint_of(payload) == content_hash(payload)


@given(flat_payloads, st.randoms())
def test_stable_under_key_order(payload: dict[str, Any], rnd: Any) -> None:
    items = list(payload.items())
    rnd.shuffle(items)
    assert fingerprint_of(dict(items)) == fingerprint_of(payload)


@given(
    st.dictionaries(words, st.lists(words, min_size=1, max_size=3), min_size=1, max_size=4), spaces, spaces
)
def test_stable_under_whitespace_after_normalize(
    words_by_key: dict[str, list[str]], pad: str, gap: str
) -> None:
    tidy = {key: " ".join(parts) for key, parts in words_by_key.items()}
    messy = {key: pad + (gap or " ").join(parts) + pad for key, parts in words_by_key.items()}
    assert fingerprint_of(normalize_value(messy)) == fingerprint_of(normalize_value(tidy))


def test_reports_the_first_record_of_the_same_partner_and_fingerprint() -> None:
    index = InMemoryDuplicateIndex({})
    first, second = work({"a": 1}), work({"a": 1})
    assert Fingerprint().run(first, index).details["duplicate_of"] is None
    assert Fingerprint().run(second, index).details["duplicate_of"] == first.data_id


def test_another_partner_with_the_same_payload_is_no_duplicate() -> None:
    index = InMemoryDuplicateIndex({})
    Fingerprint().run(work({"a": 1}, "partner123"), index)
    assert Fingerprint().run(work({"a": 1}, "partner456"), index).details["duplicate_of"] is None


def test_a_record_amended_back_to_its_own_payload_is_no_duplicate() -> None:
    index = InMemoryDuplicateIndex({})
    data_id = str(uuid.uuid4())
    Fingerprint().run(Work(data_id, "p", 1, {"a": 1}), index)
    assert Fingerprint().run(Work(data_id, "p", 3, {"a": 1}), index).details["duplicate_of"] is None


def test_details_carry_the_fingerprint() -> None:
    details = Fingerprint().run(work({"x": 1}), NoDuplicates()).details
    assert details["fingerprint"] == fingerprint_of({"x": 1})
