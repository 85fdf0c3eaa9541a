"""Errors of validation's domain and use cases; the edges map each to one answer."""

from __future__ import annotations


class ValidationServiceError(Exception):
    """Base of every error validation_svc raises on purpose."""


class RulesInvalid(ValidationServiceError):
    """A rules document does not describe a valid ruleset; the message names the offending place."""


class RecordLogNotFound(ValidationServiceError):
    def __init__(self, data_id: str) -> None:
        super().__init__(f"No validation log for record {data_id}.")
        self.data_id = data_id


class StoreUnavailable(ValidationServiceError):
    """The validation store did not answer; nothing can be assumed written."""
