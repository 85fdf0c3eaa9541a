"""Maps validation's errors to problem+json answers (the one place that decides their status)."""

from __future__ import annotations

from eventkit.http.errors import ErrorMapping
from eventkit.problems import Problem
from validation_svc.domain.errors import RecordLogNotFound, StoreUnavailable


def _not_found(exc: Exception) -> Problem:
    return Problem(404, str(exc))


def _unavailable(exc: Exception) -> Problem:
    return Problem(503, "The validation store is unavailable; retry shortly.")


ERRORS: ErrorMapping = {RecordLogNotFound: _not_found, StoreUnavailable: _unavailable}
