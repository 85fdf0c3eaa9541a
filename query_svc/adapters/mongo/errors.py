"""Translates driver errors into query_svc's own.

Their messages reach callers in 503 answers, so they never carry the driver's text (hosts, internals):
the error stays chained as __cause__, which the HTTP layer logs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    PyMongoError,
)

from query_svc.domain.errors import ViewStoreDown, ViewUnavailable


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except (DuplicateKeyError, BulkWriteError):
        raise  # the timeline reads a taken slot as "another writer got there first"
    except ExecutionTimeout as error:
        raise ViewUnavailable(
            "the query ran past its time limit; narrow the filter or use an indexed one"
        ) from error
    except ConnectionFailure as error:  # includes AutoReconnect and server selection timeouts
        raise ViewStoreDown("the view store did not answer; retry shortly") from error
    except PyMongoError as error:
        raise ViewUnavailable("the view store refused the operation; retry shortly") from error
