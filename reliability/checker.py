"""Compares what was acknowledged with what every store holds: lost, duplicated, reordered, converged."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from reliability.ledger import Acked, Ledger
from reliability.settings import Stack
from reliability.stores import (
    StoreState,
    ViewRecord,
    read_ingestion,
    read_processing,
    read_validation,
    read_view,
)

FINAL = "complete"


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
        and record.version == ack.version
        and record.status == FINAL
    )


async def wait_converged(
    stack: Stack, ledger: Ledger, bound_s: float
) -> tuple[float | None, list[ViewRecord]]:
    """Polls the view until every acknowledged record is settled; returns the time taken (None: never)."""
    started = time.monotonic()
    view: list[ViewRecord] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        while True:
            try:
                view = await read_view(session, stack, ledger.partners)
            except (TimeoutError, aiohttp.ClientError):
                view = []
            if view and _settled(ledger, view) == len(ledger.acked):
                return time.monotonic() - started, view
            if time.monotonic() - started > bound_s:
                return None, view
            await asyncio.sleep(3.0)  # each poll scans the view: keep it light


async def final_check(
    stack: Stack, ledger: Ledger, view: list[ViewRecord], converged_s: float | None, reordered: list[str]
) -> Verdict:
    """Reads every store (blocking drivers run in threads) and compares each with the ledger."""
    state = StoreState()
    ids = [ack.record_id for ack in ledger.acked.values()]
    await asyncio.to_thread(read_ingestion, stack, ledger.partners, state)
    await asyncio.to_thread(read_processing, stack, ids, state)
    await asyncio.to_thread(read_validation, stack, ids, state)
    for record in view:
        state.view[record.record_id] = record
        state.view_per_partner[record.partner_id] += 1
    verdict = Verdict(converged_s=converged_s, reordered=len(reordered))
    verdict.problems.extend(reordered[:5])
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
    duplicated.update(_conservation(ledger, state, verdict))
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
    if shown is None or shown.version != ack.version or shown.status != FINAL:
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


def _conservation(ledger: Ledger, state: StoreState, verdict: Verdict) -> list[str]:
    """Per partner: acknowledged <= event store (a record whose every answer was lost may be stored
    unacknowledged) and view = event store; returns the surplus view records as duplicates."""
    expected = ledger.expected_per_partner()
    stored_per_partner = Counter(stream[0] for stream in state.ingestion_streams.values())
    unacked = len(set(ledger.unacked) - set(ledger.acked))
    surplus: list[str] = []
    for partner in ledger.partners:
        view_count, stored_count = state.view_per_partner.get(partner, 0), stored_per_partner[partner]
        if not expected[partner] <= stored_count <= expected[partner] + unacked or view_count > stored_count:
            verdict.problems.append(
                f"conservation broken for {partner}: acknowledged {expected[partner]}, "
                f"ingestion {stored_count}, view {view_count}"
            )
            surplus.extend(f"{partner}:{n}" for n in range(max(0, view_count - stored_count)))
    return surplus
