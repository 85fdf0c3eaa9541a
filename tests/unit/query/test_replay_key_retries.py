"""A rebuild asks the key store again after 1 s, then 2 s, while it does not answer, and then gives up with
the outage (the rebuild fails and can be started again; nothing is projected without its key)."""

from __future__ import annotations

import pytest

from eventkit.sealing.keys import KeyLookup, KeysUnavailable
from query_svc.adapters.pulsar.replay import retried_lookup


class FlakyKeyStore:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> KeyLookup:
        self.calls += 1
        if self.calls <= self.failures:
            raise KeysUnavailable("the key store did not answer")
        return KeyLookup(erased=frozenset({"r1"}))


def test_a_key_store_back_within_the_attempts_answers_after_growing_pauses() -> None:
    pauses: list[float] = []
    store = FlakyKeyStore(failures=2)

    assert retried_lookup(store, "data-ingested", pauses.append) == KeyLookup(erased=frozenset({"r1"}))
    assert (store.calls, pauses) == (3, [1.0, 2.0])


def test_a_key_store_still_down_after_the_attempts_is_an_outage() -> None:
    pauses: list[float] = []
    store = FlakyKeyStore(failures=5)

    with pytest.raises(KeysUnavailable):
        retried_lookup(store, "data-ingested", pauses.append)
    assert (store.calls, pauses) == (3, [1.0, 2.0])
