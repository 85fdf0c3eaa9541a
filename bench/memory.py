"""Resident memory of each component: every supervised program with all its child processes
(gunicorn workers, the broker's JVM, …), read with psutil.

    python -m bench.memory            # one snapshot of the running stack, at whatever load it has
"""

from __future__ import annotations

import threading

from bench.processes import sum_by_program
from bench.report import Figure, print_table, write_json

MIB = 1024 * 1024


def rss_by_program() -> dict[str, float]:
    """MiB resident per supervised program, its children included (0 for a program not running)."""
    return {program: size / MIB for program, size in sum_by_program(lambda p: p.memory_info().rss).items()}


class PeakSampler:
    """Samples rss_by_program every `interval_s` in a thread and keeps each program's peak."""

    def __init__(self, interval_s: float = 2.0) -> None:
        self.peaks: dict[str, float] = {}
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for program, size in rss_by_program().items():
                self.peaks[program] = max(size, self.peaks.get(program, 0.0))
            self._stop.wait(self._interval_s)


def figures(label: str, sizes: dict[str, float]) -> list[Figure]:
    return [Figure(f"memory {label}", program, "MiB", [size]) for program, size in sizes.items()]


def main() -> None:
    result = figures("now", rss_by_program())
    print_table(result)
    write_json(result, {})


if __name__ == "__main__":
    main()
