"""query_svc's errors: one base, translated to problem+json in one place at the HTTP edge."""

from __future__ import annotations


class QueryError(Exception):
    """Base of every error query_svc raises on purpose."""


class InvalidQuery(QueryError):
    """A filter, sort, projection, cursor or parameter that the query language refuses (400)."""


class RecordNotFound(QueryError):
    """No visible record with that id for this caller (404; another partner's record looks the same)."""


class ViewUnavailable(QueryError):
    """The view store did not answer, or a query ran past its time limit (503)."""


class ViewStoreDown(ViewUnavailable):
    """The view store cannot be reached at all (every write would fail alike until it is back)."""


class ConcurrentUpdate(QueryError):
    """A record changed under the projector more often than it retries; the event is redelivered later."""


class RebuildConflict(QueryError):
    """A rebuild is already running, or the job asked about has already finished (409)."""


class JobNotFound(QueryError):
    """No rebuild job with that id (404)."""
