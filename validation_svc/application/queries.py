"""Reads of validation's own log for the HTTP edge: a record's log as its partner (or an admin) may see it."""

from __future__ import annotations

from validation_svc.application.ports import ValidationLog
from validation_svc.domain.errors import RecordLogNotFound
from validation_svc.domain.log import RecordedEntry


class ValidationQueries:
    """Answers reads of the validation log, confined to the caller's partner."""

    def __init__(self, log: ValidationLog) -> None:
        self._log = log

    def record_log(self, data_id: str, partner_scope: str | None) -> list[RecordedEntry]:
        """Returns the record's log; another partner's record is as unknown as a missing one."""
        entries = self._log.record_log(data_id)
        if not entries or (partner_scope is not None and entries[0].entry.partner_id != partner_scope):
            raise RecordLogNotFound(data_id)
        return entries
