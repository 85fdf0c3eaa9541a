"""Compares what was acknowledged with what every store holds: lost, duplicated, reordered, converged.

Convergence is only the signal to look: the verdict comes from reading every store again, each on its own
(ingestion's event store, validation's two logs, processing's event store, the view through its API and
in MongoDB itself), and requiring that per partner they hold the same records at the same latest version.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import aiohttp

from reliability.ledger import Acked, Ledger
from reliability.reads import Read, monotonic_violations
from reliability.settings import Stack
from reliability.stores import (
    StoreState,
    ViewRecord,
    read_ingestion,
    read_processing,
    read_validation,
    read_view,
    read_view_store,
)

FINAL = "complete"
_LOG_MARGIN_MS = 60_000  # validation's global log is read from this long before the scenario began

StoreReader = Callable[[Stack, Ledger], Awaitable[StoreState]]


@dataclass
class Verdict:
    """The checker's findings for one scenario; `problems` names each anomaly found."""

    in_view: int = 0
    lost: int = 0
    pending: int = 0  # not settled in the view when the convergence bound ran out: lost or just late
    duplicated: int = 0
    reordered: int = 0
    converged_s: float | None = None
    problems: list[str] = field(default_factory=list)


def _settled(ledger: Ledger, view: list[ViewRecord]) -> int:
    """Counts acknowledged records the view shows complete at their newest acknowledged version."""
    shown = {record.record_id: record for record in view}
    return sum(
        1
        for ack in ledger.acked.values()
        if (record := shown.get(ack.record_id)) is not None
        and record.version >= ack.version
        and record.status == FINAL
    )


async def wait_converged(stack: Stack, ledger: Ledger, bound_s: float) -> float | None:
    """Polls the view until every acknowledged record is settled; returns the time taken (None: never)."""
    started = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        while True:
            try:
                view = await read_view(session, stack, ledger.partners)
            except (TimeoutError, aiohttp.ClientError):
                view = []
            if view and _settled(ledger, view) == len(ledger.acked):
                return time.monotonic() - started
            if time.monotonic() - started > bound_s:
                return None
            await asyncio.sleep(3.0)  # each poll scans the view: keep it light


async def read_stores(stack: Stack, ledger: Ledger) -> StoreState:
    """Reads every store afresh (blocking drivers run in threads), the view both ways."""
    state = StoreState()
    partners = ledger.partners
    ids = [ack.record_id for ack in ledger.acked.values()]
    since_ms = int(ledger.started_wall * 1000) - _LOG_MARGIN_MS
    await asyncio.to_thread(read_ingestion, stack, partners, state)
    await asyncio.to_thread(read_processing, stack, partners, state)
    await asyncio.to_thread(read_validation, stack, partners, ids, since_ms, state)
    await asyncio.to_thread(read_view_store, stack, partners, state)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        state.view = {r.record_id: r for r in await read_view(session, stack, partners)}
    return state


async def final_check(
    stack: Stack,
    ledger: Ledger,
    converged_s: float | None,
    reads: Iterable[Read],
    read_state: StoreReader = read_stores,
) -> Verdict:
    """The verdict on one scenario, from a fresh read of every store and the readers' whole history."""
    state = await read_state(stack, ledger)
    reorders = monotonic_violations(reads)
    verdict = Verdict(converged_s=converged_s, reordered=len(reorders))
    verdict.problems.extend(reorders[:5])
    _compare(ledger, state, verdict, converged=converged_s is not None)
    return verdict


def _compare(ledger: Ledger, state: StoreState, verdict: Verdict, *, converged: bool) -> None:
    lost: set[str] = set()
    pending: set[str] = set()
    duplicated: set[str] = set()
    for ack in ledger.acked.values():
        late = lost if converged else pending
        _compare_record(ack, state, verdict, lost=lost, late=late, duplicated=duplicated)
    for seq, streams in state.ingestion_seq_streams.items():
        if streams > 1:
            duplicated.add(f"seq {seq}")
            verdict.problems.append(f"ingestion stored record {seq} {streams} times (key ignored)")
    if state.validation_log_runs != state.validation_runs:
        differing = sorted(set(state.validation_log_runs.items()) ^ set(state.validation_runs.items()))
        verdict.problems.append(f"validation's global and per-record logs disagree: {differing[:3]}")
    _conservation(ledger, state, verdict, lost=lost if converged else pending, duplicated=duplicated)
    verdict.lost, verdict.duplicated, verdict.pending = len(lost), len(duplicated), len(pending - lost)


def _compare_record(
    ack: Acked, state: StoreState, verdict: Verdict, *, lost: set[str], late: set[str], duplicated: set[str]
) -> None:
    """Checks one acknowledged record in every store; a view not yet settled counts as `late`."""
    rid = ack.record_id
    stored = state.ingestion_streams.get(rid)
    if stored is None or stored[2] < ack.version:
        lost.add(rid)
        verdict.problems.append(f"ingestion store lacks {rid} v{ack.version} (has {stored})")
    shown = state.view.get(rid)
    if shown is None or shown.version < ack.version or shown.status != FINAL:
        late.add(rid)
        if late is lost or len(late) <= 3:
            verdict.problems.append(f"view shows {rid} as {shown} (acknowledged v{ack.version})")
    else:
        verdict.in_view += 1
    for version in range(1, ack.version + 1):
        for store, runs in (("processing", state.processing_runs), ("validation", state.validation_runs)):
            count = runs.get((rid, version), 0)
            if count == 0:
                lost.add(rid)
                verdict.problems.append(f"{store} has no result for {rid} v{version}")
            elif count > 1:
                duplicated.add(rid)
                verdict.problems.append(f"{store} ran {rid} v{version} {count} times")


def _conservation(
    ledger: Ledger, state: StoreState, verdict: Verdict, *, lost: set[str], duplicated: set[str]
) -> None:
    """Per partner, every store holds the same set of records, each at the same latest version as the
    event store; the event store holds every acknowledged record and at most the unacknowledged ones more
    (a record whose every answer was lost may be stored). A record short in a store is lost there; one
    the event store lacks, or at a version it never had, is a phantom (counted as duplicated)."""
    source = {rid: (partner, version) for rid, (partner, _, version) in state.ingestion_streams.items()}
    accounts = {
        "validation": state.validation_latest,
        "processing": state.processing_latest,
        "the view (API)": {r.record_id: (r.partner_id, r.version) for r in state.view.values()},
        "the view (MongoDB)": {r.record_id: (r.partner_id, r.version) for r in state.view_store.values()},
    }
    for partner in ledger.partners:
        expected = {rid: v for rid, (p, v) in source.items() if p == partner}
        for store, account in accounts.items():
            held = {rid: v for rid, (p, v) in account.items() if p == partner}
            _same_records(partner, store, expected, held, verdict, lost=lost, duplicated=duplicated)
    unacked = len(set(ledger.unacked) - set(ledger.acked))
    acked_per_partner = ledger.expected_per_partner()
    stored_per_partner = {p: sum(1 for q, _ in source.values() if q == p) for p in ledger.partners}
    for partner in ledger.partners:
        acked, stored = acked_per_partner[partner], stored_per_partner[partner]
        if not acked <= stored <= acked + unacked:
            verdict.problems.append(
                f"conservation broken for {partner}: acknowledged {acked}, "
                f"ingestion {stored} ({unacked} never acknowledged)"
            )


def _same_records(
    partner: str,
    store: str,
    expected: dict[str, int],
    held: dict[str, int],
    verdict: Verdict,
    *,
    lost: set[str],
    duplicated: set[str],
) -> None:
    missing = sorted(set(expected) - set(held))
    phantom = sorted(set(held) - set(expected))
    behind = sorted(rid for rid in set(expected) & set(held) if held[rid] < expected[rid])
    ahead = sorted(rid for rid in set(expected) & set(held) if held[rid] > expected[rid])
    lost.update(missing, behind)
    duplicated.update(phantom, ahead)
    for what, ids in (("lacks", missing), ("has records ingestion lacks:", phantom)):
        if ids:
            verdict.problems.append(f"conservation broken for {partner}: {store} {what} {ids[:3]}")
    for what, ids in (("behind", behind), ("ahead of", ahead)):
        if ids:
            shown = [f"{rid} v{held[rid]} (ingestion v{expected[rid]})" for rid in ids[:3]]
            verdict.problems.append(f"conservation broken for {partner}: {store} {what} ingestion: {shown}")
