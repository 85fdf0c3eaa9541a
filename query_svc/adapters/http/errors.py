"""Maps query_svc's errors to problem+json answers (the one place that decides their status)."""

from __future__ import annotations

import logging

from eventkit.http.errors import ErrorMapping
from eventkit.problems import Problem
from query_svc.domain.errors import (
    InvalidQuery,
    JobNotFound,
    RebuildConflict,
    RecordNotFound,
    ViewUnavailable,
)

_log = logging.getLogger(__name__)


def _invalid(exc: Exception) -> Problem:
    return Problem(400, str(exc))


def _not_found(exc: Exception) -> Problem:
    return Problem(404, str(exc))


def _unavailable(exc: Exception) -> Problem:
    _log.warning("answering 503: %s (cause: %r)", exc, exc.__cause__)
    return Problem(503, str(exc))


def _conflict(exc: Exception) -> Problem:
    return Problem(409, str(exc))


ERRORS: ErrorMapping = {
    InvalidQuery: _invalid,
    RecordNotFound: _not_found,
    JobNotFound: _not_found,
    RebuildConflict: _conflict,
    ViewUnavailable: _unavailable,
}
