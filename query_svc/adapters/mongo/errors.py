"""Translates driver errors into query_svc's own.

Their messages reach callers in 503 answers, so they never carry the driver's text (hosts, internals):
the error stays chained as __cause__, which the HTTP layer logs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

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


def refused(what: str, write_errors: Sequence[Mapping[str, Any]]) -> ViewUnavailable:
    """A bulk write's refusal, naming each refused write's position and code only: the driver's details
    quote the documents, which hold payloads, and this message may become a dead letter's reason (raise it
    `from None`, so no log's traceback quotes them either)."""
    summary = [(error.get("index"), error.get("code")) for error in write_errors[:3]]
    return ViewUnavailable(f"the view store refused {what} (position, code): {summary}")
