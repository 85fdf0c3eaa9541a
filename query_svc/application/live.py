"""Live projection that follows the view's active generation, so a rebuild can hand consumption over.

Before applying a batch, a live consumer re-reads the generation pointer if it has not done so for
`refresh_s`, switches to a projector of the new generation when it changed, and reports the generation it
now writes to. A rebuild that switched the pointer waits until every consumer has either reported the new
generation or been silent for longer than `SILENT_AFTER` (a silent one re-reads the pointer before its next
batch, since more than `refresh_s` will have passed), and only then reads each topic to its end into the new
generation: every event a consumer applied to the old generation was published before that moment, so the
new generation misses none.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta

from query_svc.application.ports import ViewGenerations
from query_svc.application.projector import Projector
from query_svc.domain.timeline import TimelineEntry

REFRESH_S = 1.0
SILENT_AFTER = timedelta(seconds=5)


class LiveProjection:
    """A projector for whichever generation is active; safe to share between a process's consumer threads."""

    def __init__(
        self,
        generations: ViewGenerations,
        projector_for: Callable[[str], Projector],
        instance: str,
        *,
        refresh_s: float = REFRESH_S,
    ) -> None:
        self._generations = generations
        self._projector_for = projector_for
        self._instance = instance
        self._refresh_s = refresh_s
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._projector: Projector | None = None
        self._checked = 0.0

    def apply(self, data_id: str, entry: TimelineEntry) -> bool:
        return self._current().apply(data_id, entry)

    def apply_many(self, entries: Sequence[TimelineEntry]) -> set[str]:
        return self._current().apply_many(entries)

    @property
    def generation(self) -> str | None:
        return self._generation

    def _current(self) -> Projector:
        with self._lock:
            if self._projector is None or time.monotonic() - self._checked >= self._refresh_s:
                generation = self._generations.read_active()
                if generation != self._generation or self._projector is None:
                    self._projector = self._projector_for(generation)
                    self._generation = generation
                self._generations.report(self._instance, generation)
                self._checked = time.monotonic()
            return self._projector
