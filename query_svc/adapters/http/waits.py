"""Bounds the read-your-writes waits (`min_version` with `wait_ms`), which hold a request thread each.

A wait that cannot get a slot is refused at once with 429 rather than queued: a key may hold at most
`per_key` waits, and a worker at most `per_process` (half its threads), so waits alone can never take every
thread and stall other partners' reads or /healthz.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from eventkit.problems import Problem

DEFAULT_PER_KEY = 2


class WaitSlots:
    def __init__(self, per_process: int, per_key: int = DEFAULT_PER_KEY) -> None:
        self._per_process = max(1, per_process)
        self._per_key = max(1, per_key)
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()

    @classmethod
    def for_threads(cls, threads: int) -> WaitSlots:
        return cls(per_process=threads // 2)

    @contextmanager
    def slot(self, key_id: str) -> Iterator[None]:
        """Holds one of the key's wait slots for the block; 429 problem+json when none is free."""
        with self._lock:
            if self._held[key_id] >= self._per_key:
                raise _busy(f"this key already has {self._per_key} reads waiting for a version")
            if self._held.total() >= self._per_process:
                raise _busy("too many reads are waiting for a version on this worker")
            self._held[key_id] += 1
        try:
            yield
        finally:
            with self._lock:
                self._held[key_id] -= 1
                if not self._held[key_id]:
                    del self._held[key_id]


def _busy(reason: str) -> Problem:
    return Problem(
        429,
        f"Refused to wait: {reason}. Retry shortly, or read without min_version and wait_ms.",
        extensions={"retry_after": 1},
    )
