"""The ports validation's use cases depend on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from eventkit.messaging import OutboundMessage
from validation_svc.domain.log import LogEntry, RecordedEntry


@dataclass(frozen=True)
class PendingRun:
    """A validation run to log: its entries and the outgoing DataValidated, keyed by the causing event."""

    causation_id: str
    entries: Sequence[LogEntry]
    outgoing: OutboundMessage


class ValidationLog(Protocol):
    """The append-only validation log, which is also the outbox of DataValidated."""

    def append_run(self, run: PendingRun) -> bool:
        """Appends a run's entries and queues its outgoing event in one atomic step, unless the causing
        event was already handled; returns whether anything was appended. The store numbers the
        outgoing message (its sequence id) itself."""
        ...

    def append_runs(self, runs: Sequence[PendingRun]) -> list[bool]:
        """Appends each run as append_run does, in order, in one round trip; returns each one's result.
        Each run is atomic on its own; if this raises, any prefix of the runs may have been appended."""
        ...

    def record_log(self, data_id: str) -> list[RecordedEntry]:
        """Returns one record's entries, oldest first (empty for an unknown record)."""
        ...
