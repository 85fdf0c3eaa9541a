"""Errors of processing's domain and use cases; the HTTP edge maps each to one status."""

from __future__ import annotations


class ProcessingError(Exception):
    """Base of every error processing_svc raises on purpose."""


class StepRejected(ProcessingError):
    """A step cannot handle this record's data: a data failure, reported as such, never retried."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidExpectedFields(ProcessingError):
    """The expected-fields configuration is malformed; the message says where."""


class RecordNotFound(ProcessingError):
    """No step events for the record, or none the caller may see."""

    def __init__(self, record_id: str) -> None:
        super().__init__(f"No processing events for record {record_id}.")
        self.record_id = record_id
