"""In-memory adapters for unit tests; they pass the same contract suites as the PostgreSQL ones."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

from eventkit.eventstore.memory import InMemoryDatabase, InMemoryUnitOfWork
from ingestion_svc.application.ports import IdempotencyStore, StoredOutcome


class InMemoryIdempotencyStore:
    """Keys become visible when the owning unit of work commits."""

    def __init__(self, committed: dict[tuple[str, str], StoredOutcome]) -> None:
        self._committed = committed
        self.pending: dict[tuple[str, str], StoredOutcome] = {}

    def claim(self, caller: str, key: str) -> StoredOutcome | None:
        return self._committed.get((caller, key))

    def save(self, caller: str, key: str, outcome: StoredOutcome) -> None:
        if (caller, key) in self._committed or (caller, key) in self.pending:
            raise KeyError(f"idempotency key {key!r} already saved for {caller!r}")
        self.pending[(caller, key)] = outcome


class InMemoryIngestionUnitOfWork(InMemoryUnitOfWork):
    """Like PostgreSQL's, one key is claimed by one open unit of work at a time (the others wait)."""

    idempotency: IdempotencyStore

    def __init__(
        self,
        database: InMemoryDatabase | None = None,
        keys: dict[tuple[str, str], StoredOutcome] | None = None,
        key_lock: threading.Lock | None = None,
    ) -> None:
        super().__init__(database)
        self.keys = keys if keys is not None else {}
        # One lock for all keys: coarser than PostgreSQL's per-key lock, same outcome for tests.
        self._key_lock = key_lock or threading.Lock()
        self._store: InMemoryIdempotencyStore | None = None
        self._holding = False

    def __enter__(self) -> Self:
        super().__enter__()
        self._store = InMemoryIdempotencyStore(self.keys)
        self.idempotency = _LockingStore(self._store, self._acquire)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        self._store = None
        if self._holding:
            self._holding = False
            self._key_lock.release()

    def commit(self) -> None:
        super().commit()
        if self._store is not None:
            self.keys.update(self._store.pending)
            self._store.pending.clear()

    def _acquire(self) -> None:
        if not self._holding:
            self._key_lock.acquire()
            self._holding = True


class _LockingStore:
    def __init__(self, store: InMemoryIdempotencyStore, acquire: Callable[[], None]) -> None:
        self._store = store
        self._acquire = acquire

    def claim(self, caller: str, key: str) -> StoredOutcome | None:
        self._acquire()
        return self._store.claim(caller, key)

    def save(self, caller: str, key: str, outcome: StoredOutcome) -> None:
        self._store.save(caller, key, outcome)
