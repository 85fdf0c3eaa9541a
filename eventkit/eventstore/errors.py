"""Errors the event store ports raise, whatever the adapter."""

from __future__ import annotations


class EventStoreError(Exception):
    """Base of every event store error."""


class ConcurrencyConflict(EventStoreError):
    """A stream was appended to with an expected version that is no longer its current version."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream_id} is at version {actual}, expected {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class StoreUnavailable(EventStoreError):
    """The store cannot be reached or failed for a reason that a retry may cure."""
