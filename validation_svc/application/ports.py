"""The ports validation's use cases depend on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from eventkit.messaging import OutboundMessage
from validation_svc.domain.log import LogEntry, RecordedEntry


class ValidationLog(Protocol):
    """The append-only validation log, which is also the outbox of DataValidated."""

    def append_run(self, causation_id: str, entries: Sequence[LogEntry], outgoing: OutboundMessage) -> bool:
        """Appends a run's entries and queues its outgoing event in one atomic step, unless the causing
        event was already handled; returns whether anything was appended. The store numbers the
        outgoing message (its sequence id) itself."""
        ...

    def record_log(self, data_id: str) -> list[RecordedEntry]:
        """Returns one record's entries, oldest first (empty for an unknown record)."""
        ...
