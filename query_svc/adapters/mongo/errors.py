"""Translates driver errors into query_svc's own."""

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
        raise ViewStoreDown(f"the view store did not answer: {error}") from error
    except PyMongoError as error:
        raise ViewUnavailable(f"the view store refused the operation: {error}") from error
