"""Maps ingestion's errors to problem+json answers (the one place that decides their status)."""

from __future__ import annotations

from eventkit.eventstore.errors import StoreUnavailable
from eventkit.http.errors import ErrorMapping
from eventkit.problems import Problem
from ingestion_svc.domain.errors import IdempotencyKeyReused, RecordNotFound, VersionConflict


def _not_found(exc: Exception) -> Problem:
    return Problem(404, str(exc))


def _conflict(exc: Exception) -> Problem:
    assert isinstance(exc, VersionConflict)
    detail = f'{exc} Read it again and retry with If-Match: "{exc.actual}".'
    return Problem(409, detail, extensions={"current_version": exc.actual})


def _reused_key(exc: Exception) -> Problem:
    return Problem(422, f"{exc} Use a new key for a new request.")


def _unavailable(exc: Exception) -> Problem:
    return Problem(
        503, "The event store is unavailable; nothing was stored. Retry with the same Idempotency-Key."
    )


ERRORS: ErrorMapping = {
    RecordNotFound: _not_found,
    VersionConflict: _conflict,
    IdempotencyKeyReused: _reused_key,
    StoreUnavailable: _unavailable,
}
