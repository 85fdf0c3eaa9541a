"""The unit of work on PostgreSQL: one connection and one transaction per `with` block."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from psycopg2.extensions import TRANSACTION_STATUS_INERROR
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from eventkit.eventstore.errors import EventStoreError, StoreUnavailable
from eventkit.eventstore.ports import EventStore, Inbox, Outbox
from eventkit.postgres.errors import translated_errors
from eventkit.postgres.eventstore import PostgresEventStore
from eventkit.postgres.inbox import PostgresInbox
from eventkit.postgres.outbox import PostgresOutbox


class PostgresUnitOfWork:
    """Writes events, outbox messages and inbox marks in one PostgreSQL transaction per `with` block.

    Work after `commit()` starts a new transaction; leaving the block rolls back whatever was not
    committed. A ConcurrencyConflict leaves the transaction usable, but any other failed statement
    aborts it in PostgreSQL: the block must then be left (its work is lost) and `commit()` raises.
    One block at a time per instance, so each thread needs its own instance.

    A service adds its own repositories on the same transaction by overriding `__enter__`::

        def __enter__(self) -> Self:
            super().__enter__()
            self.idempotency = PostgresIdempotencyKeys(self.connection)
            return self
    """

    events: EventStore
    outbox: Outbox
    inbox: Inbox

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    @property
    def connection(self) -> Connection:
        """The open block's connection, for a subclass's own repositories."""
        if self._connection is None:
            raise RuntimeError("the unit of work is not open: use it inside `with uow:`")
        return self._connection

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already open; give each thread its own instance")
        with translated_errors("open a connection"):
            connection = self._engine.connect()
        self._connection = connection
        self.events = PostgresEventStore(connection)
        self.outbox = PostgresOutbox(connection)
        self.inbox = PostgresInbox(connection)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Rolls back whatever was not committed."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.close()  # returns it to the pool, which rolls back the open transaction
        except DBAPIError as close_error:
            connection.invalidate()
            if exc is None:  # otherwise the error already on its way says more
                with translated_errors("roll back"):
                    raise close_error

    def commit(self) -> None:
        """Makes everything done in the block so far durable, or raises if PostgreSQL refused part of it."""
        connection = self.connection
        if connection.invalidated:
            raise StoreUnavailable("the connection to PostgreSQL was lost; nothing of this block was kept")
        if _aborted(connection):
            # PostgreSQL would answer COMMIT with a silent ROLLBACK; say so instead.
            raise EventStoreError(
                "the transaction was aborted by an earlier failed statement; nothing was kept"
            )
        with translated_errors("commit"):
            connection.commit()


def _aborted(connection: Connection) -> bool:
    driver_connection = connection.connection.driver_connection
    return driver_connection is not None and bool(
        driver_connection.get_transaction_status() == TRANSACTION_STATUS_INERROR
    )
