"""A fault must show it hit the stream: a window no record crossed, or one the clients never felt, fails."""

from __future__ import annotations

import asyncio
from pathlib import Path

from reliability.evidence import Window, unproven
from reliability.faults.base import Fault, FaultContext
from reliability.ledger import Attempt, Ledger
from reliability.scenario import _fault_problems
from reliability.settings import SHORT, Stack


def _ledger(sends: list[float], attempts: list[Attempt] | None = None) -> Ledger:
    ledger = Ledger("t", ["p0"])
    ledger.send_times.extend(sends)
    ledger.attempts.extend(attempts or [])
    return ledger


def test_a_window_records_crossed_is_proven() -> None:
    assert unproven(_ledger([1.0, 5.0, 9.0]), [Window("stall", 4.0, 6.0)]) == []


def test_a_window_no_record_crossed_is_not() -> None:
    (problem,) = unproven(_ledger([1.0, 9.0]), [Window("stall", 4.0, 6.0)])
    assert "touched no traffic" in problem


def test_a_window_only_a_stalled_request_spanned_is_proven_too() -> None:
    stalled = [Attempt(3.0, 8.0, ok=False)]  # sent before the window, stuck through it
    assert unproven(_ledger([1.0, 9.0], stalled), [Window("resets", 4.0, 6.0)]) == []


def test_a_window_the_clients_must_feel_needs_a_failed_or_waiting_request() -> None:
    window = Window("postgres down", 4.0, 6.0, clients_feel=True)
    quick = [Attempt(4.1, 4.2, ok=True)]
    assert "no request failed or waited" in unproven(_ledger([5.0], quick), [window])[0]
    assert unproven(_ledger([5.0], [*quick, Attempt(4.5, 4.6, ok=False)]), [window]) == []
    assert unproven(_ledger([5.0], [*quick, Attempt(3.0, 4.5, ok=True)]), [window]) == []  # waited 1.5 s


class _Quiet(Fault):
    name = "quiet"
    touches_stream = True


def test_a_fault_that_acts_on_the_stream_but_marked_no_window_fails() -> None:
    stack = Stack("127.0.0.1", {}, Path("/nonexistent"), "admin")
    ctx = FaultContext(stack, SHORT, _ledger([1.0]), asyncio.Event())
    assert _fault_problems(_Quiet(), ctx) == ["quiet never acted: no fault window was marked"]
    assert _fault_problems(Fault(), ctx) == []  # the baseline acts on nothing
