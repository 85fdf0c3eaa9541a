"""CPU time each component spends: every supervised program with its child processes (gunicorn workers,
PostgreSQL backends, the broker's JVM threads), read with psutil. Divided by the records a run pushed
through, it says what one record costs where, which is what bounds throughput on a small machine.
"""

from __future__ import annotations

from collections.abc import Mapping

import psutil

from bench.processes import sum_by_program


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def cpu_seconds_by_program(extra: Mapping[str, int] | None = None) -> dict[str, float]:
    """User + system CPU seconds so far per supervised program, children included (0 if not running), and
    per `extra` process tree (name: pid)."""
    return sum_by_program(_cpu_seconds, extra)


class CpuMeter:
    """CPU seconds each program (and each `extra` process: copies of programs) used between `__enter__`
    and `__exit__` (processes that exited in between are missed, so a restart during the run undercounts
    its program)."""

    def __init__(self, extra: Mapping[str, int] | None = None) -> None:
        self.used: dict[str, float] = {}
        self._start: dict[str, float] = {}
        self._extra = dict(extra or {})

    def __enter__(self) -> CpuMeter:
        self._start = cpu_seconds_by_program(self._extra)
        return self

    def __exit__(self, *_: object) -> None:
        end = cpu_seconds_by_program(self._extra)
        self.used = {p: max(0.0, end[p] - self._start.get(p, 0.0)) for p in end}
