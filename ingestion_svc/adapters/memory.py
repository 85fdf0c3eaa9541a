"""In-memory adapters for unit tests; they pass the same contract suites as the PostgreSQL ones."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Self

from eventkit.eventstore.errors import EventStoreError
from eventkit.eventstore.memory import InMemoryDatabase, InMemoryUnitOfWork
from ingestion_svc.application.ports import (
    Erasure,
    IdempotencyStore,
    KeyStore,
    NewDataKey,
    StoredKey,
    StoredOutcome,
)


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


class InMemoryKeyTable:
    """The committed data keys that in-memory units of work share, as PostgreSQL's data_keys table."""

    def __init__(self) -> None:
        self.entries: dict[str, StoredKey] = {}
        # One lock for every entry: coarser than PostgreSQL's row lock, same outcome for tests.
        self.entry_lock = threading.Lock()


class InMemoryKeyStore:
    """Data keys that become visible when the owning unit of work commits; kept unwrapped (no KEK)."""

    def __init__(self, table: InMemoryKeyTable, acquire: Callable[[], None]) -> None:
        self._table = table
        self._acquire = acquire
        self.pending: dict[str, StoredKey] = {}

    def add(self, keys: Sequence[NewDataKey]) -> None:
        for new in keys:
            data_id = new.key.data_id
            if self._visible(data_id) is not None:
                raise EventStoreError(f"record {data_id} already has a data key")
            self.pending[data_id] = StoredKey(data_id, new.partner_id, new.key)

    def get(self, data_id: str, *, lock: bool = False) -> StoredKey | None:
        if lock:
            self._acquire()
        return self._visible(data_id)

    def get_many(self, data_ids: Sequence[str]) -> dict[str, StoredKey]:
        found = {data_id: self._visible(data_id) for data_id in data_ids}
        return {data_id: entry for data_id, entry in found.items() if entry is not None}

    def erase(self, data_id: str, partner_id: str, erasure: Erasure) -> None:
        entry = self._visible(data_id)
        self.pending[data_id] = StoredKey(data_id, entry.partner_id if entry else partner_id, None, erasure)

    def _visible(self, data_id: str) -> StoredKey | None:
        return self.pending.get(data_id) or self._table.entries.get(data_id)


class InMemoryIngestionUnitOfWork(InMemoryUnitOfWork):
    """Like PostgreSQL's, one idempotency key is claimed, and one data key entry locked, by one open unit of
    work at a time (the others wait)."""

    idempotency: IdempotencyStore
    keys: KeyStore

    def __init__(
        self,
        database: InMemoryDatabase | None = None,
        outcomes: dict[tuple[str, str], StoredOutcome] | None = None,
        key_lock: threading.Lock | None = None,
        data_keys: InMemoryKeyTable | None = None,
    ) -> None:
        super().__init__(database)
        self.outcomes = outcomes if outcomes is not None else {}
        # One lock for all idempotency keys: coarser than PostgreSQL's per-key lock, same outcome for tests.
        self._key_lock = key_lock or threading.Lock()
        self.data_keys = data_keys or InMemoryKeyTable()
        self._store: InMemoryIdempotencyStore | None = None
        self._key_store: InMemoryKeyStore | None = None
        self._holding: list[threading.Lock] = []

    def __enter__(self) -> Self:
        super().__enter__()
        self._store = InMemoryIdempotencyStore(self.outcomes)
        self.idempotency = _LockingStore(self._store, lambda: self._hold(self._key_lock))
        self._key_store = InMemoryKeyStore(self.data_keys, lambda: self._hold(self.data_keys.entry_lock))
        self.keys = self._key_store
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        self._store = self._key_store = None
        while self._holding:
            self._holding.pop().release()

    def commit(self) -> None:
        super().commit()
        if self._store is not None:
            self.outcomes.update(self._store.pending)
            self._store.pending.clear()
        if self._key_store is not None:
            self.data_keys.entries.update(self._key_store.pending)
            self._key_store.pending.clear()

    def _hold(self, lock: threading.Lock) -> None:
        if lock not in self._holding:
            lock.acquire()
            self._holding.append(lock)


class _LockingStore:
    def __init__(self, store: InMemoryIdempotencyStore, acquire: Callable[[], None]) -> None:
        self._store = store
        self._acquire = acquire

    def claim(self, caller: str, key: str) -> StoredOutcome | None:
        self._acquire()
        return self._store.claim(caller, key)

    def save(self, caller: str, key: str, outcome: StoredOutcome) -> None:
        self._store.save(caller, key, outcome)
