"""The relay's lease: its own session holding an advisory lock, which also LISTENs for outbox commits."""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import PoolProxiedConnection

from eventkit.eventstore.errors import EventStoreError, StoreUnavailable
from eventkit.postgres.outbox import OUTBOX_CHANNEL

# How often a wait looks at its stop event: shutdown must not wait for a long poll interval.
_STOP_CHECK_S = 0.5


class LeaseLost(EventStoreError):
    """The session that held the relay lock ended, so another relay may be active now."""


class PostgresRelayLease:
    """Holds `pg_try_advisory_lock(lock_key)` on its own session; the lock lives exactly as long as it.

    When the holder dies its session closes and PostgreSQL releases the lock, so a standby takes over.
    """

    def __init__(self, engine: Engine, lock_key: int, *, channel: str = OUTBOX_CHANNEL) -> None:
        self._engine = engine
        self._lock_key = lock_key
        self._channel = channel
        self._session: PoolProxiedConnection | None = None  # while the lock is held

    def try_acquire(self) -> bool:
        """Takes the lock if nobody holds it and starts listening; False if another session holds it."""
        with _translated("take the relay lock", StoreUnavailable):
            pooled = self._engine.raw_connection()
            # Detached: closing it really closes the session, so the lock can never outlive us in a pool.
            pooled.detach()
            try:
                acquired = self._lock_and_listen(_driver(pooled))
            except BaseException:
                pooled.close()
                raise
        if not acquired:
            pooled.close()
            return False
        self._session = pooled
        return True

    def _lock_and_listen(self, session: Any) -> bool:
        session.rollback()  # a pre-ping may have opened a transaction; autocommit needs none
        session.autocommit = True
        if not _scalar(session, "SELECT pg_try_advisory_lock(%s)", (self._lock_key,)):
            return False
        # LISTEN before the first cycle: a commit during that cycle then still wakes the next one.
        _scalar(session, f'LISTEN "{self._channel}"', None)
        return True

    def check(self) -> None:
        """Raises LeaseLost unless the session holding the lock still answers."""
        with _translated("reach the relay lock session", LeaseLost):
            _scalar(_driver(self._held()), "SELECT 1", None)

    def wait(self, timeout_s: float, stop: threading.Event) -> bool:
        """Waits up to `timeout_s` for an outbox commit; True when one was notified, False on timeout/stop."""
        session = _driver(self._held())
        deadline = time.monotonic() + timeout_s
        with _translated("listen for outbox commits", LeaseLost):
            while not stop.is_set():
                session.poll()
                if session.notifies:
                    session.notifies.clear()  # one cycle serves every commit notified so far
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                select.select([session], [], [], min(remaining, _STOP_CHECK_S))
        return False

    def release(self) -> None:
        """Closes the session, which releases the lock."""
        pooled, self._session = self._session, None
        if pooled is not None:
            pooled.close()

    def _held(self) -> PoolProxiedConnection:
        if self._session is None:
            raise LeaseLost("the relay lock is not held")
        return self._session


def _driver(pooled: PoolProxiedConnection) -> Any:
    # A detached connection keeps its psycopg2 connection, but no longer its pool record.
    driver = pooled.dbapi_connection
    if driver is None:
        raise LeaseLost("the relay lock session is closed")
    return driver


def _scalar(session: Any, sql: str, params: tuple[Any, ...] | None) -> Any:
    with session.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] if cursor.description else None


@contextmanager
def _translated(action: str, error: type[EventStoreError]) -> Iterator[None]:
    # The lease talks to psycopg2 directly (LISTEN needs the raw session), so it sees both error kinds.
    try:
        yield
    except (psycopg2.Error, DBAPIError) as e:
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise error(f"could not {action}: {first_line}") from e
