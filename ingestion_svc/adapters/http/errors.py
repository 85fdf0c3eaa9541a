"""Maps ingestion's errors to problem+json answers (the one place that decides their status)."""

from __future__ import annotations

import logging

from eventkit.eventstore.errors import StoreUnavailable
from eventkit.http.errors import ErrorMapping
from eventkit.problems import Problem
from ingestion_svc.adapters.kek import KekFileError, UnwrapFailed
from ingestion_svc.domain.errors import IdempotencyKeyReused, RecordErased, RecordNotFound, VersionConflict

log = logging.getLogger(__name__)


def _not_found(exc: Exception) -> Problem:
    return Problem(404, str(exc))


def _gone(exc: Exception) -> Problem:
    assert isinstance(exc, RecordErased)
    erased_at = exc.erased_at.isoformat()
    return Problem(
        410, f"{exc} Its data is gone for good.", title="Gone", extensions={"erased_at": erased_at}
    )


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


def _keys_unavailable(exc: Exception) -> Problem:
    # The operator's to fix (INGESTION_KEK_FILE lacks a KEK keys refer to): logged, never shown in detail.
    log.error("data keys cannot be opened: %s", exc)
    return Problem(503, "Data keys cannot be opened right now; nothing was changed. Retry later.")


ERRORS: ErrorMapping = {
    RecordNotFound: _not_found,
    RecordErased: _gone,
    KekFileError: _keys_unavailable,
    UnwrapFailed: _keys_unavailable,
    VersionConflict: _conflict,
    IdempotencyKeyReused: _reused_key,
    StoreUnavailable: _unavailable,
}
