"""Translates driver errors into the event store's errors, so callers never see psycopg2 or SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from eventkit.eventstore.errors import EventStoreError, StoreUnavailable


@contextmanager
def translated_errors(action: str) -> Iterator[None]:
    """Raises StoreUnavailable for connection-level failures and EventStoreError for refused writes."""
    try:
        yield
    except (OperationalError, InterfaceError) as e:
        # Also covers serialization failures and deadlocks (psycopg2 files them under OperationalError):
        # like a lost connection, a retry of the whole unit of work may cure them.
        raise StoreUnavailable(f"PostgreSQL could not {action}: {_first_line(e)}") from e
    except IntegrityError as e:
        raise EventStoreError(f"PostgreSQL refused to {action}: {_first_line(e)}") from e
    except DBAPIError as e:
        if e.connection_invalidated:
            raise StoreUnavailable(f"PostgreSQL could not {action}: {_first_line(e)}") from e
        raise


def _first_line(error: DBAPIError) -> str:
    return str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
