"""The reliability checker finds each anomaly it reports, from synthetic store contents."""

from __future__ import annotations

from reliability.checker import Verdict, _compare
from reliability.ledger import Ledger
from reliability.stores import StoreState, ViewRecord


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
    for record in (ViewRecord("a", "p0", 1, "complete"), ViewRecord("b", "p1", 2, "complete")):
        state.view[record.record_id] = record
        state.view_per_partner[record.partner_id] += 1
    return state


def _verdict(state: StoreState, *, converged: bool = True) -> Verdict:
    verdict = Verdict()
    _compare(_ledger(), state, verdict, converged=converged)
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
