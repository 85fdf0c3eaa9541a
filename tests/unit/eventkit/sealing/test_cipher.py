"""AES-256-GCM under a record's data key: a sealed value opens only with its key, record and purpose."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings

from contracts import DataIngested, DataProcessed, Sealed, decode
from eventkit.sealing.cipher import DataKey, SealBroken, keyed_content_hash, open_sealed, seal
from tests.unit.contracts.wires import json_values, payloads

RECORD = "09b9c33e-836e-436c-9d6b-f4b6285cac45"
GOLDEN_DIR = Path(__file__).resolve().parents[3] / "fixtures" / "events"
# The key the golden sealed events were sealed with (tests/fixtures/events/v2): opening them pins the cipher,
# the associated data and the canonical JSON, which no event already on a topic can follow if they change.
GOLDEN_KEY = DataKey(RECORD, bytes(range(32)))


@settings(deadline=None)
@given(json_values)
def test_any_json_value_opens_as_it_was_sealed(value: object) -> None:
    key = DataKey.new(RECORD)

    assert open_sealed(key, "payload", seal(key, "payload", value)) == value


def test_each_seal_draws_a_fresh_nonce() -> None:
    key = DataKey.new(RECORD)

    first, second = seal(key, "payload", {"a": 1}), seal(key, "payload", {"a": 1})

    assert first.nonce != second.nonce and first.ciphertext != second.ciphertext
    assert len(base64.b64decode(first.nonce)) == 12


def _flip(text: str, index: int) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode("ascii")


def _cut(text: str) -> str:
    return base64.b64encode(base64.b64decode(text)[:-1]).decode("ascii")


Attempt = Callable[[Sealed, DataKey], object]
ATTEMPTS: dict[str, Attempt] = {
    "another key": lambda s, k: open_sealed(DataKey.new(RECORD), "payload", s),
    "another record": lambda s, k: open_sealed(DataKey("another-record", k.secret), "payload", s),
    "another purpose": lambda s, k: open_sealed(k, "processing", s),
    "altered ciphertext": lambda s, k: open_sealed(k, "payload", Sealed(s.nonce, _flip(s.ciphertext, 0))),
    "altered tag": lambda s, k: open_sealed(k, "payload", Sealed(s.nonce, _flip(s.ciphertext, -1))),
    "altered nonce": lambda s, k: open_sealed(k, "payload", Sealed(_flip(s.nonce, 3), s.ciphertext)),
    "cut short": lambda s, k: open_sealed(k, "payload", Sealed(s.nonce, _cut(s.ciphertext))),
    "not base64": lambda s, k: open_sealed(k, "payload", Sealed(s.nonce, "not base64!")),
    "short nonce": lambda s, k: open_sealed(k, "payload", Sealed("AAAA", s.ciphertext)),
}


@pytest.mark.parametrize("attempt", ATTEMPTS.values(), ids=ATTEMPTS.keys())
def test_a_sealed_value_does_not_open_otherwise(attempt: Attempt) -> None:
    key = DataKey.new(RECORD)
    sealed = seal(key, "payload", {"name": "Lucía"})
    assert open_sealed(key, "payload", sealed) == {"name": "Lucía"}  # unchanged, it does open

    with pytest.raises(SealBroken, match="does not open under its data key"):
        attempt(sealed, key)


def test_the_secret_never_shows_in_a_repr_or_an_error() -> None:
    key = DataKey.new(RECORD)
    shown = [repr(key), str(key)]
    with pytest.raises(SealBroken) as caught:
        open_sealed(key, "payload", seal(DataKey.new(RECORD), "payload", {}))
    shown += [str(caught.value), repr(caught.value)]
    with pytest.raises(ValueError) as short:
        DataKey(RECORD, key.secret[:31])
    shown.append(str(short.value))

    for text in shown:
        for form in (repr(key.secret), key.secret.hex(), base64.b64encode(key.secret).decode()):
            assert form not in text
    assert RECORD in repr(key)


@pytest.mark.parametrize("size", [0, 16, 31, 33])
def test_a_data_key_has_32_bytes(size: int) -> None:
    with pytest.raises(ValueError, match=f"a data key has 32 bytes, got {size}"):
        DataKey(RECORD, bytes(size))


def _independent_hmac(secret: bytes, payload: object) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "hmac-sha256:" + hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


@settings(deadline=None)
@given(payloads)
def test_the_keyed_hash_is_hmac_sha256_of_the_canonical_json(payload: dict[str, object]) -> None:
    key = DataKey.new(RECORD)

    assert keyed_content_hash(key, payload) == _independent_hmac(key.secret, payload)


def test_the_keyed_hash_is_equal_for_equal_payloads_and_differs_per_key_and_payload() -> None:
    key, other = DataKey.new(RECORD), DataKey.new(RECORD)
    payload = {"b": [1, 2.5], "a": {"y": None, "x": "é"}}
    same = {"a": {"x": "é", "y": None}, "b": [1, 2.5]}  # the same object, written in another order

    assert keyed_content_hash(key, payload) == keyed_content_hash(key, same)
    assert keyed_content_hash(key, payload) != keyed_content_hash(other, payload)
    assert keyed_content_hash(key, payload) != keyed_content_hash(key, {**payload, "b": [1, 2.5, 3]})
    assert keyed_content_hash(key, payload).startswith("hmac-sha256:")


def test_the_golden_sealed_events_open_under_the_golden_key() -> None:
    plain = json.loads((GOLDEN_DIR / "v1" / "data_ingested.json").read_bytes())["data"]
    processed = json.loads((GOLDEN_DIR / "v1" / "data_processed.json").read_bytes())["data"]
    ingested_event = decode((GOLDEN_DIR / "v2" / "data_ingested.json").read_bytes())
    processed_event = decode((GOLDEN_DIR / "v2" / "data_processed.json").read_bytes())
    assert isinstance(ingested_event.data, DataIngested) and ingested_event.data.sealed_payload is not None
    assert isinstance(processed_event.data, DataProcessed) and processed_event.data.sealed_details is not None

    assert open_sealed(GOLDEN_KEY, "payload", ingested_event.data.sealed_payload) == plain["payload"]
    assert ingested_event.data.content_hash == keyed_content_hash(GOLDEN_KEY, plain["payload"])
    assert open_sealed(GOLDEN_KEY, "processing", processed_event.data.sealed_details) == {
        "result": processed["result"],
        "extras": [step["extra"] for step in processed["steps"]],
    }
