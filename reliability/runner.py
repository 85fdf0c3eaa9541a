"""Runs the chosen scenarios one after another against the local stack and reports them."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from reliability.catalog import scenarios
from reliability.report import details, table, write_json
from reliability.scenario import Outcome, run_scenario
from reliability.settings import Profile, Stack


def selected(only: list[str] | None) -> list[int]:
    names = [fault.name for fault in scenarios()]
    if not only:
        return list(range(len(names)))
    return [i for i, name in enumerate(names) if any(part in name for part in only)]


async def run_all(stack: Stack, profile: Profile, only: list[str] | None, out: Path) -> list[Outcome]:
    outcomes: list[Outcome] = []
    faults = scenarios()
    for index in selected(only):
        fault = faults[index]
        started = time.monotonic()
        print(f"-- {fault.name}: {fault.what}", flush=True)
        outcome = await run_scenario(stack, profile, fault, index)
        print(f"   {'PASS' if outcome.passed else 'FAIL'} in {time.monotonic() - started:.0f} s", flush=True)
        outcomes.append(outcome)
        write_json(outcomes, out, profile.name)
    print(table(outcomes))
    print(details(outcomes))
    return outcomes


def main(stack: Stack, profile: Profile, only: list[str] | None, out: Path) -> int:
    outcomes = asyncio.run(run_all(stack, profile, only, out))
    print(f"written to {out}")
    return 0 if outcomes and all(o.passed for o in outcomes) else 1
