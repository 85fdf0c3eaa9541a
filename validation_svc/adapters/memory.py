"""In-memory validation log for unit tests; passes the same contract suite as the Redis one."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

from eventkit.messaging import OutboundMessage
from validation_svc.domain.log import LogEntry, RecordedEntry


class InMemoryValidationLog:
    def __init__(self) -> None:
        self.global_log: list[RecordedEntry] = []
        self.outbox: list[OutboundMessage] = []
        self._handled: set[str] = set()
        self._lock = threading.Lock()

    def append_run(self, causation_id: str, entries: Sequence[LogEntry], outgoing: OutboundMessage) -> bool:
        with self._lock:
            if causation_id in self._handled:
                return False
            self._handled.add(causation_id)
            for entry in entries:
                self.global_log.append(RecordedEntry(f"{len(self.global_log) + 1}-0", entry))
            self.outbox.append(replace(outgoing, sequence_id=len(self.outbox) + 1))
            return True

    def record_log(self, data_id: str) -> list[RecordedEntry]:
        with self._lock:
            return [recorded for recorded in self.global_log if recorded.entry.data_id == data_id]
