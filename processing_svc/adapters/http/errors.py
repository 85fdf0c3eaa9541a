"""Maps processing's errors to problem+json answers (the one place that decides their status)."""

from __future__ import annotations

from eventkit.eventstore.errors import StoreUnavailable
from eventkit.http.errors import ErrorMapping
from eventkit.problems import Problem
from eventkit.sealing.keys import KeysUnavailable
from processing_svc.domain.errors import RecordNotFound


def _not_found(exc: Exception) -> Problem:
    return Problem(404, str(exc))


def _unavailable(exc: Exception) -> Problem:
    return Problem(503, "The processing store is unavailable; retry shortly.")


def _keys_unavailable(exc: Exception) -> Problem:
    return Problem(503, "The key store is unavailable; retry shortly.")


ERRORS: ErrorMapping = {
    RecordNotFound: _not_found,
    StoreUnavailable: _unavailable,
    KeysUnavailable: _keys_unavailable,
}
