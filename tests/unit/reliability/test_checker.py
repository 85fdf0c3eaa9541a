"""The reliability checker finds each anomaly it reports: every test plants exactly one in a healthy history."""

from __future__ import annotations

import asyncio
from pathlib import Path

from reliability.checker import Verdict, _compare, final_check
from reliability.ledger import Ledger
from reliability.scenario import _client_problems
from reliability.settings import Stack
from reliability.stores import StoreState, ViewRecord

STACK = Stack("127.0.0.1", {}, Path("/nonexistent"), "admin")


def _ledger() -> Ledger:
    ledger = Ledger("t", ["p0", "p1"])
    ledger.acknowledge(0, "a", "p0", 1, odd=False)
    ledger.acknowledge(1, "b", "p1", 1, odd=False)
    ledger.acknowledge(1, "b", "p1", 2, odd=False)  # amended: the newest acknowledged version counts
    return ledger


def _healthy() -> StoreState:
    state = StoreState()
    state.ingestion_streams = {"a": ("p0", 0, 1), "b": ("p1", 1, 2)}
    state.ingestion_seq_streams.update({0: 1, 1: 1})
    for key in (("a", 1), ("b", 1), ("b", 2)):
        state.processing_runs[key] = 1
        state.validation_runs[key] = 1
        state.validation_log_runs[key] = 1
    state.processing_latest = {"a": ("p0", 1), "b": ("p1", 2)}
    state.validation_latest = {"a": ("p0", 1), "b": ("p1", 2)}
    for record in (ViewRecord("a", "p0", 1, "complete"), ViewRecord("b", "p1", 2, "complete")):
        state.view[record.record_id] = record
        state.view_store[record.record_id] = record
    return state


def _verdict(state: StoreState, *, converged: bool = True, ledger: Ledger | None = None) -> Verdict:
    verdict = Verdict()
    _compare(ledger or _ledger(), state, verdict, converged=converged)
    return verdict


def test_consistent_stores_pass() -> None:
    verdict = _verdict(_healthy())
    assert (verdict.in_view, verdict.lost, verdict.duplicated, verdict.problems) == (2, 0, 0, [])


def test_a_view_behind_its_acknowledged_version_is_lost_once_converged_and_pending_before() -> None:
    state = _healthy()
    state.view["b"] = ViewRecord("b", "p1", 1, "complete")
    assert (_verdict(state).lost, _verdict(state).pending) == (1, 0)
    assert (_verdict(state, converged=False).lost, _verdict(state, converged=False).pending) == (0, 1)


def test_a_version_processed_twice_or_never_validated_is_found() -> None:
    state = _healthy()
    state.processing_runs[("b", 2)] = 2
    del state.validation_runs[("a", 1)]
    del state.validation_log_runs[("a", 1)]
    verdict = _verdict(state)
    assert (verdict.lost, verdict.duplicated) == (1, 1)


def test_a_record_stored_twice_for_one_idempotency_key_is_a_duplicate() -> None:
    state = _healthy()
    state.ingestion_streams["c"] = ("p0", 0, 1)
    state.ingestion_seq_streams[0] = 2
    verdict = _verdict(state)
    assert verdict.duplicated >= 1
    assert any("key ignored" in problem for problem in verdict.problems)
    assert any("conservation broken for p0" in problem for problem in verdict.problems)


def test_a_failed_amendment_is_not_forgiven_by_its_acknowledged_post() -> None:
    ledger = _ledger()
    assert _client_problems(ledger) == []
    ledger.unacked_amendments.append((1, 2))  # the POST of seq 1 was acknowledged, its second PUT never
    assert any("amendments never acknowledged" in problem for problem in _client_problems(ledger))


def test_the_final_verdict_reads_the_stores_again_rather_than_trusting_convergence() -> None:
    reread = _healthy()
    del reread.view["b"]  # the view lost a record after the poll that declared convergence

    async def read_again(stack: Stack, ledger: Ledger) -> StoreState:
        return reread

    verdict = asyncio.run(final_check(STACK, _ledger(), 1.0, [], read_state=read_again))
    assert verdict.lost == 1
    assert any("view shows b as None" in problem for problem in verdict.problems)


def test_a_record_only_downstream_stores_hold_is_a_phantom() -> None:
    state = _healthy()
    state.processing_latest["ghost"] = ("p0", 1)  # processed a record ingestion never stored
    verdict = _verdict(state)
    assert verdict.duplicated == 1
    assert any("processing has records ingestion lacks" in problem for problem in verdict.problems)


def test_a_stored_but_unacknowledged_record_must_reach_every_store_too() -> None:
    ledger = _ledger()
    ledger.unacked.append(2)  # its every answer was lost, yet ingestion stored it: it must flow on
    state = _healthy()
    state.ingestion_streams["c"] = ("p0", 2, 1)
    state.processing_latest["c"] = ("p0", 1)
    state.view["c"] = state.view_store["c"] = ViewRecord("c", "p0", 1, "complete")
    verdict = _verdict(state, ledger=ledger)  # validation never saw it
    assert verdict.lost == 1
    assert any("validation lacks ['c']" in problem for problem in verdict.problems)


def test_the_view_in_mongodb_behind_the_event_store_is_lost_even_when_the_api_agrees() -> None:
    state = _healthy()
    state.view_store["b"] = ViewRecord("b", "p1", 1, "complete")
    verdict = _verdict(state)
    assert verdict.lost == 1
    assert any("the view (MongoDB) behind ingestion" in problem for problem in verdict.problems)


def test_a_view_ahead_of_the_event_store_is_found() -> None:
    state = _healthy()
    state.view["a"] = ViewRecord("a", "p0", 2, "complete")  # a version ingestion never had
    verdict = _verdict(state)
    assert verdict.duplicated == 1
    assert any("the view (API) ahead of ingestion" in problem for problem in verdict.problems)


def test_validation_logs_that_disagree_are_found() -> None:
    state = _healthy()
    state.validation_log_runs[("a", 1)] = 2  # the global log holds a run the record's stream lacks
    verdict = _verdict(state)
    assert any("global and per-record logs disagree" in problem for problem in verdict.problems)
