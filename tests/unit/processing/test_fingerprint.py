"""The fingerprint step: SHA-256 of canonical JSON, stable under key order and whitespace; duplicate_of."""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

from hypothesis import given, reject
from hypothesis import strategies as st

from contracts import content_hash
from processing_svc.adapters.memory import InMemoryDuplicateIndex
from processing_svc.domain.errors import StepRejected
from processing_svc.domain.steps.base import Work
from processing_svc.domain.steps.fingerprint import Fingerprint, fingerprint_of
from processing_svc.domain.steps.normalize import normalize_value
from tests.unit.processing.support import NoDuplicates, json_objects, work

words = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=6)
flat_payloads = st.dictionaries(words, words | st.integers(), min_size=1, max_size=6)


def test_matches_the_contracts_content_hash() -> None:
    payload = {"b": [1, 2], "a": "é"}
    assert fingerprint_of(payload) == content_hash(payload)


@given(flat_payloads, st.randoms())
def test_stable_under_key_order(payload: dict[str, Any], rnd: Any) -> None:
    items = list(payload.items())
    rnd.shuffle(items)
    assert fingerprint_of(dict(items)) == fingerprint_of(payload)


def _messy(value: Any, rnd: random.Random) -> Any:
    """Returns the value with its keys shuffled at every depth and extra whitespace in every string."""
    if isinstance(value, str):
        pad = rnd.choice(["", " ", "\t", "\n  "])
        return pad + re.sub(r"\s", lambda space: space.group() * rnd.randint(1, 3), value) + pad
    if isinstance(value, dict):
        items = [(key, _messy(item, rnd)) for key, item in value.items()]
        rnd.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [_messy(item, rnd) for item in value]
    return value


def _normal_fingerprint(payload: dict[str, Any]) -> str:
    try:
        return fingerprint_of(normalize_value(payload))
    except StepRejected:
        reject()


@given(json_objects, st.randoms(use_true_random=False))
def test_stable_under_key_order_and_whitespace_at_every_depth(payload: dict[str, Any], rnd: Any) -> None:
    assert _normal_fingerprint(_messy(payload, rnd)) == _normal_fingerprint(payload)


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
