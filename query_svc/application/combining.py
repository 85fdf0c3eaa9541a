"""Combines the batches that a process's consumer threads hand over at the same time into one write.

The projector serializes batches that touch the same records (striped locks), and a batch of one topic
almost always shares a stripe with the other topics' batches, so the three consumer threads used to take
turns: three bulk writes of views, three checks, each waiting for the previous one. Worse, a record whose
DataValidated and DataProcessed arrived together had its view written twice. Here the first thread to
arrive writes; threads that arrive meanwhile leave their batches and wait, and the next writer applies all
of them as one batch (one slot insert, one view write per record, one check).

With a gathering window, the writer first waits that long for the other topics' batches. A record's three
events reach the projector tens of milliseconds apart (validation, then processing); gathered into one
write, its view is written once or twice instead of three times, and the view write is what costs most.

A combined batch that fails is applied again one caller's batch at a time, so a caller only ever sees the
failure of its own events, and eventkit's consumer can still tell a failing message from its batch-mates.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from query_svc.application.projector import Applier
from query_svc.domain.timeline import TimelineEntry


@dataclass
class _Handover:
    """One caller's batch, and what became of it."""

    entries: Sequence[TimelineEntry]
    done: bool = False
    added: set[str] | None = None  # set once written
    error: BaseException | None = None


class CombiningApplier:
    """An Applier that applies concurrent `apply_many` calls together; `apply` passes straight through."""

    def __init__(self, applier: Applier, *, gather_s: float = 0.0) -> None:
        self._applier = applier
        self._gather_s = gather_s  # how long a writer waits for other batches before it writes
        self._changed = threading.Condition()
        self._waiting: list[_Handover] = []
        self._writing = False

    def apply(self, data_id: str, entry: TimelineEntry) -> bool:
        # The one-message path after a failed batch: kept apart, so its failure is exactly its own.
        return self._applier.apply(data_id, entry)

    def apply_many(self, entries: Sequence[TimelineEntry]) -> set[str]:
        """Applies the entries, maybe together with other threads' batches; returns the ids that were new."""
        mine = _Handover(entries)
        with self._changed:
            self._waiting.append(mine)
            while self._writing and not mine.done:
                self._changed.wait()
            if not mine.done:  # nobody took it: this thread writes everything that is waiting
                self._writing = True
                self._gather()
                taken, self._waiting = self._waiting, []
        if not mine.done:
            try:
                self._write(taken)
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()
        if mine.error is not None:
            raise mine.error
        assert mine.added is not None  # done without an error means written
        return mine.added

    def _gather(self) -> None:
        """Waits out the gathering window (holding the condition's lock only between waits)."""
        deadline = time.monotonic() + self._gather_s
        while (left := deadline - time.monotonic()) > 0:
            self._changed.wait(left)

    def _write(self, handovers: list[_Handover]) -> None:
        """Applies the handovers as one batch, or each alone when that fails; marks each one done."""
        try:
            added = self._applier.apply_many([entry for handover in handovers for entry in handover.entries])
            for handover in handovers:
                handover.added = {e.event_id for e in handover.entries if e.event_id in added}
        except Exception:
            if len(handovers) == 1:
                raise
            for handover in handovers:
                try:
                    handover.added = self._applier.apply_many(handover.entries)
                except Exception as error:
                    handover.error = error
        finally:
            for handover in handovers:
                if handover.added is None and handover.error is None:
                    # The writer stopped on something no handler catches: nothing may count as written.
                    handover.error = RuntimeError("the combined write stopped before this batch was written")
                handover.done = True
