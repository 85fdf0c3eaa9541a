"""Errors of ingestion's domain and use cases; the HTTP edge maps each to one status."""

from __future__ import annotations

from datetime import datetime


class IngestionError(Exception):
    """Base of every error ingestion_svc raises on purpose."""


class RecordNotFound(IngestionError):
    def __init__(self, record_id: str) -> None:
        super().__init__(f"No record {record_id}.")
        self.record_id = record_id


class RecordErased(IngestionError):
    """The record was erased: it can no longer be amended or erased again."""

    def __init__(self, record_id: str, erased_at: datetime) -> None:
        super().__init__(f"Record {record_id} was erased at {erased_at.isoformat()}.")
        self.record_id = record_id
        self.erased_at = erased_at


class VersionConflict(IngestionError):
    """The caller expected another version than the record has (If-Match, or a concurrent amendment)."""

    def __init__(self, record_id: str, expected: int, actual: int) -> None:
        super().__init__(f"Record {record_id} is at version {actual}, not {expected}.")
        self.record_id = record_id
        self.expected = expected
        self.actual = actual


class IdempotencyKeyReused(IngestionError):
    """An Idempotency-Key was sent again with a different request body."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was already used with a different request body.")
        self.key = key
