"""Read-your-writes waits are bounded per key and per worker, and a refused wait says what to do."""

from __future__ import annotations

import pytest

from eventkit.problems import Problem
from query_svc.adapters.http.waits import WaitSlots


def test_a_key_holds_at_most_its_share_of_waits() -> None:
    slots = WaitSlots(per_process=4, per_key=2)
    with slots.slot("a"), slots.slot("a"):
        with pytest.raises(Problem) as refused, slots.slot("a"):
            pass
        assert refused.value.status == 429 and refused.value.extensions["retry_after"] == 1
        assert "read without min_version" in refused.value.detail
        with slots.slot("b"):  # another key still waits
            pass


def test_a_worker_keeps_threads_free_whoever_waits() -> None:
    slots = WaitSlots.for_threads(4)  # two of four threads may wait
    with slots.slot("a"), slots.slot("b"), pytest.raises(Problem, match="on this worker"), slots.slot("c"):
        pass
    with slots.slot("c"):  # freed when the waits ended
        pass


def test_a_wait_that_fails_gives_its_slot_back() -> None:
    slots = WaitSlots(per_process=1)
    with pytest.raises(RuntimeError), slots.slot("a"):
        raise RuntimeError("the store went away")
    with slots.slot("a"):
        pass
