"""CPU the stack spends while nothing happens: every component, children included, over a quiet minute.

An idle stack should cost next to nothing (issue 23's target: under 3% of one core in all). What it does
spend is the sum of its timers: consumers' receive timeouts, relays' safety-net polls, the web servers'
ticks, the broker's housekeeping. The figure is CPU milliseconds per second of wall time, so 10 ms/s is 1%
of one core.

    python -m bench.idle [--settle 60] [--seconds 60]
"""

from __future__ import annotations

import argparse
import time

from bench.cpu import CpuMeter
from bench.report import Figure, print_table, write_json

SCENARIO = "idle CPU"


def measure(settle_s: float, seconds: float) -> dict[str, float]:
    """CPU ms per second of each component over `seconds`, after `settle_s` of quiet (start-up's JIT, a
    pipeline still working off earlier records)."""
    print(f"    letting the stack settle for {settle_s:g} s, then measuring for {seconds:g} s", flush=True)
    time.sleep(settle_s)
    with CpuMeter() as meter:
        time.sleep(seconds)
    return {program: used * 1000 / seconds for program, used in meter.used.items()}


def figures(per_second: dict[str, float]) -> list[Figure]:
    ordered = sorted(per_second.items(), key=lambda item: -item[1])
    rows = [Figure(SCENARIO, program, "ms/s", [value]) for program, value in ordered]
    return [Figure(SCENARIO, "all components", "ms/s", [sum(per_second.values())]), *rows]


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--settle", type=float, default=60.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    result = figures(measure(args.settle, args.seconds))
    print_table(result)
    print(f"\nwritten to {write_json(result, {'settle_s': args.settle, 'seconds': args.seconds})}")


if __name__ == "__main__":
    main()
