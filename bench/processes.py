"""The operating-system processes of each supervised program: its main process and every descendant
(gunicorn workers, PostgreSQL backends, …), as psutil sees them."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import psutil

from reliability.supervisor import pids


def sum_by_program(
    measure: Callable[[psutil.Process], float], extra: Mapping[str, int] | None = None
) -> dict[str, float]:
    """`measure` summed over each program's processes (0 for a program not running; processes that exit
    while being read are skipped), and over each `extra` process tree (a name and its root's pid: copies
    of programs started beside supervisord's)."""
    totals: dict[str, float] = {}
    for program, pid in sorted({**pids(), **(extra or {})}.items()):
        total = 0.0
        try:
            root = psutil.Process(pid) if pid else None
            for process in [root, *root.children(recursive=True)] if root else []:
                try:
                    total += measure(process)
                except psutil.NoSuchProcess:
                    continue
        except psutil.NoSuchProcess:
            pass
        totals[program] = total
    return totals
