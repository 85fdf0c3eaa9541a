"""Runs one scenario: stream records while a fault is injected, wait for convergence, check every store."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass, field

from reliability import supervisor
from reliability.checker import final_check, wait_converged
from reliability.evidence import unproven
from reliability.faults.base import Fault, FaultContext
from reliability.ledger import Ledger
from reliability.load import LoadClient, new_tag, partners_for
from reliability.reads import Readers
from reliability.settings import Profile, Stack


@dataclass
class Outcome:
    """One row of the results table."""

    scenario: str
    what: str
    sent: int
    acked: int
    in_view: int
    lost: int
    pending: int
    duplicated: int
    reordered: int
    converge_s: float | None
    passed: bool
    seconds: float
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return asdict(self)


async def run_scenario(stack: Stack, profile: Profile, fault: Fault, index: int) -> Outcome:
    started = time.monotonic()
    tag = new_tag(index)
    ledger = Ledger(tag, partners_for(tag, profile.partners))
    ctx = FaultContext(stack, profile, ledger, asyncio.Event())
    before = await _settled_pids()
    readers = Readers(stack, ledger)
    reading_done = asyncio.Event()
    reading = asyncio.create_task(readers.run(reading_done))
    try:
        async with fault.installed(ctx):
            injecting = asyncio.create_task(fault.inject(ctx))
            await LoadClient(stack, profile, ledger).run()
            ctx.load_done.set()
            await injecting
        converged_s = await wait_converged(stack, ledger, profile.converge_bound_s)
    finally:
        reading_done.set()
        await reading
    await fault.verify(ctx)
    verdict = await final_check(stack, ledger, converged_s, readers.history)
    await _check_restarts(fault, before, ctx)
    problems = [*ctx.violations, *_fault_problems(fault, ctx), *_client_problems(ledger), *verdict.problems]
    passed = not problems and converged_s is not None
    ctx.notes.append(
        f"{len(readers.history)} reads of {len(set(ledger.amended))} amended records"
        f" ({readers.failures} unanswered); retries {dict(ledger.retries)}"
    )
    return Outcome(
        scenario=fault.name,
        what=fault.what,
        sent=ledger.sent,
        acked=len(ledger.acked),
        in_view=verdict.in_view,
        lost=verdict.lost,
        pending=verdict.pending,
        duplicated=verdict.duplicated,
        reordered=verdict.reordered,
        converge_s=None if converged_s is None else round(converged_s, 1),
        passed=passed,
        seconds=round(time.monotonic() - started, 1),
        problems=problems[:20],
        notes=ctx.notes,
    )


def _fault_problems(fault: Fault, ctx: FaultContext) -> list[str]:
    """A fault that acts on the stream must show it did (reliability.evidence)."""
    if fault.touches_stream and not ctx.windows:
        return [f"{fault.name} never acted: no fault window was marked"]
    return unproven(ctx.ledger, ctx.windows)


def _client_problems(ledger: Ledger) -> list[str]:
    problems = [f"refused {count}x: {reason}" for reason, count in ledger.refused.items()]
    never = sorted(set(ledger.unacked) - set(ledger.acked))
    if never:
        problems.append(f"{len(never)} records never acknowledged within the deadline (first: {never[:5]})")
    if ledger.unacked_amendments:
        first = ledger.unacked_amendments[:5]
        problems.append(
            f"{len(ledger.unacked_amendments)} amendments never acknowledged within the deadline"
            f" (seq, revision: {first})"
        )
    return problems


async def _settled_pids(timeout_s: float = 90.0) -> dict[str, int]:
    """Every program's pid once all run: the previous scenario's last kill may still be restarting one."""
    deadline = time.monotonic() + timeout_s
    found = await asyncio.to_thread(supervisor.pids)
    while not all(found.values()) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        found = await asyncio.to_thread(supervisor.pids)
    return found


async def _check_restarts(fault: Fault, before: dict[str, int], ctx: FaultContext) -> None:
    """Fails the scenario when a program restarted (it crashed) that the fault may not restart."""
    after = await asyncio.to_thread(supervisor.pids)
    for program, pid in before.items():
        if after.get(program) == pid:
            continue
        if program in fault.restarts:
            ctx.notes.append(f"{program} restarted")
        else:
            ctx.violations.append(
                f"{program} restarted (pid {pid} → {after.get(program)}) though not targeted"
            )
