"""CachedDataKeys asks the key store only for what it holds no fresh answer for, and never keeps a key long."""

from __future__ import annotations

import pytest

from eventkit.sealing.cipher import DataKey
from eventkit.sealing.keys import CachedDataKeys, KeyLookup, KeysUnavailable, MemoryKeyStore


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RecordingStore:
    """The key store's answers, from memory, with every batch it was asked for."""

    def __init__(self) -> None:
        self.store = MemoryKeyStore()
        self.asked: list[list[str]] = []
        self.down = False

    def __call__(self, data_ids: list[str]) -> KeyLookup:
        if self.down:
            raise KeysUnavailable("the key store is down")
        self.asked.append(list(data_ids))
        return self.store.lookup(data_ids)


@pytest.fixture
def store() -> RecordingStore:
    return RecordingStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _cache(store: RecordingStore, clock: Clock, max_age_s: float = 30.0) -> CachedDataKeys:
    return CachedDataKeys(store, max_age_s=max_age_s, clock=clock)


def test_only_the_records_without_a_cached_answer_are_asked_for(store: RecordingStore, clock: Clock) -> None:
    a, b, c = (store.store.create(name) for name in ("a", "b", "c"))
    keys = _cache(store, clock)

    first = keys.lookup(["a", "b", "a"])
    second = keys.lookup(["b", "c", "a"])

    assert store.asked == [["a", "b"], ["c"]]
    assert first == KeyLookup({"a": a, "b": b})
    assert second.keys == {"a": a, "b": b, "c": c} and second.erased == frozenset()


def test_a_live_key_is_asked_for_again_once_older_than_max_age(store: RecordingStore, clock: Clock) -> None:
    key = store.store.create("a")
    keys = _cache(store, clock, max_age_s=30)

    keys.lookup(["a"])
    clock.now += 30
    assert keys.lookup(["a"]).key_for("a") == key
    assert len(store.asked) == 1  # exactly max_age old is still fresh
    clock.now += 0.5
    assert keys.lookup(["a"]).key_for("a") == key

    assert store.asked == [["a"], ["a"]]


def test_a_key_erased_since_it_was_cached_is_gone_within_max_age(store: RecordingStore, clock: Clock) -> None:
    store.store.create("a")
    keys = _cache(store, clock, max_age_s=10)
    keys.lookup(["a"])

    store.store.erase("a")
    clock.now += 10.5

    assert keys.lookup(["a"]) == KeyLookup({}, frozenset({"a"}))


def test_an_erasure_is_final_so_it_is_never_asked_for_again(store: RecordingStore, clock: Clock) -> None:
    store.store.create("a")
    store.store.erase("a")
    keys = _cache(store, clock, max_age_s=10)

    keys.lookup(["a"])
    clock.now += 3600
    answer = keys.lookup(["a"])

    assert answer.erased == frozenset({"a"}) and answer.key_for("a") is None
    assert store.asked == [["a"]]


def test_forget_makes_a_cached_live_key_erased_at_once(store: RecordingStore, clock: Clock) -> None:
    store.store.create("a")
    keys = _cache(store, clock)
    keys.lookup(["a"])

    keys.forget("a")

    assert keys.lookup(["a"]) == KeyLookup({}, frozenset({"a"}))
    assert store.asked == [["a"]]  # the erasure was seen: no need to ask


def test_forget_of_a_record_never_looked_up_is_remembered_too(store: RecordingStore, clock: Clock) -> None:
    store.store.create("a")  # the store would still answer with the key, had its DataErased not been seen
    keys = _cache(store, clock)

    keys.forget("a")

    assert keys.lookup(["a"]).erased == frozenset({"a"})
    assert store.asked == []


def test_an_unknown_record_is_asked_for_again(store: RecordingStore, clock: Clock) -> None:
    keys = _cache(store, clock)

    assert keys.lookup(["x"]) == KeyLookup()
    key = store.store.create("x")  # its DataIngested may overtake the key store's commit
    assert keys.lookup(["x"]).key_for("x") == key

    assert store.asked == [["x"], ["x"]]


def test_records_are_asked_for_in_batches_of_at_most_500(store: RecordingStore, clock: Clock) -> None:
    ids = [f"r{i}" for i in range(1201)]
    for data_id in ids:
        store.store.create(data_id)

    answer = _cache(store, clock).lookup(ids)

    assert [len(batch) for batch in store.asked] == [500, 500, 201]
    assert [data_id for batch in store.asked for data_id in batch] == ids
    assert set(answer.keys) == set(ids)


def test_an_outage_is_raised_and_leaves_nothing_cached(store: RecordingStore, clock: Clock) -> None:
    key = store.store.create("a")
    keys = _cache(store, clock)
    store.down = True

    with pytest.raises(KeysUnavailable):
        keys.lookup(["a"])
    store.down = False

    assert keys.lookup(["a"]).key_for("a") == key
    assert store.asked == [["a"]]


def test_the_oldest_entries_leave_a_full_cache(store: RecordingStore, clock: Clock) -> None:
    for data_id in ("a", "b", "c"):
        store.store.create(data_id)
    keys = CachedDataKeys(store, max_age_s=30, capacity=2, clock=clock)

    keys.lookup(["a", "b"])
    keys.lookup(["c"])
    keys.lookup(["b", "c", "a"])

    assert store.asked == [["a", "b"], ["c"], ["a"]]


@pytest.mark.parametrize("max_age_s", [60.5, 61, 3600, -1])
def test_a_key_is_never_cached_longer_than_60_seconds(max_age_s: float) -> None:
    with pytest.raises(ValueError, match=f"a data key may be cached at most 60 s, got {max_age_s}"):
        CachedDataKeys(MemoryKeyStore().lookup, max_age_s=max_age_s)


@pytest.mark.parametrize("max_age_s", [0, 60])
def test_the_bounds_themselves_are_accepted(max_age_s: float) -> None:
    store = MemoryKeyStore()
    key = store.create("a")

    assert CachedDataKeys(store.lookup, max_age_s=max_age_s).lookup(["a"]).key_for("a") == key


def test_the_memory_store_answers_as_the_key_store_does() -> None:
    store = MemoryKeyStore()
    live = store.create("live")
    store.create("gone")
    store.erase("gone")

    assert store.lookup(["live", "gone", "unknown"]) == KeyLookup({"live": live}, frozenset({"gone"}))
    assert isinstance(live, DataKey) and live.data_id == "live"
