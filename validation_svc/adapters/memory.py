"""In-memory validation log for unit tests; passes the same contract suite as the Redis one."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

from eventkit.messaging import OutboundMessage
from validation_svc.application.ports import PendingRun
from validation_svc.domain.log import RecordedEntry


class InMemoryValidationLog:
    def __init__(self) -> None:
        self.global_log: list[RecordedEntry] = []
        self.outbox: list[OutboundMessage] = []
        self._handled: set[str] = set()
        self._lock = threading.Lock()

    def append_run(self, run: PendingRun) -> bool:
        with self._lock:
            if run.causation_id in self._handled:
                return False
            self._handled.add(run.causation_id)
            for entry in run.entries:
                self.global_log.append(RecordedEntry(f"{len(self.global_log) + 1}-0", entry))
            self.outbox.append(replace(run.outgoing, sequence_id=len(self.outbox) + 1))
            return True

    def append_runs(self, runs: Sequence[PendingRun]) -> list[bool]:
        return [self.append_run(run) for run in runs]

    def record_log(self, data_id: str) -> list[RecordedEntry]:
        with self._lock:
            return [recorded for recorded in self.global_log if recorded.entry.data_id == data_id]
