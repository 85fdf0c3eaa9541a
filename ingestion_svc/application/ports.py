"""Ports ingestion's use cases depend on, beyond eventkit's event store, outbox and inbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from eventkit.eventstore.ports import UnitOfWork
from eventkit.sealing.cipher import DataKey


@dataclass(frozen=True)
class StoredOutcome:
    """The first answer given to an Idempotency-Key, kept to be given again."""

    request_hash: str
    result: dict[str, Any]


class IdempotencyStore(Protocol):
    def claim(self, caller: str, key: str) -> StoredOutcome | None:
        """Holds the key for this unit of work (concurrent claims wait) and returns its stored outcome."""
        ...

    def save(self, caller: str, key: str, outcome: StoredOutcome) -> None: ...


@dataclass(frozen=True)
class NewDataKey:
    """A record's data key to store, with the partner the record belongs to."""

    partner_id: str
    key: DataKey


@dataclass(frozen=True)
class Erasure:
    """When a record's data key was destroyed, by whom and why."""

    erased_at: datetime
    erased_by: str
    reason: str | None = None


@dataclass(frozen=True)
class StoredKey:
    """A record's entry in the key store: its live data key, or its erasure."""

    data_id: str
    partner_id: str
    key: DataKey | None  # None once erased
    erasure: Erasure | None = None


class KeyStore(Protocol):
    """Records' data keys, written in the unit of work's transaction."""

    def add(self, keys: Sequence[NewDataKey]) -> None:
        """Stores new records' keys in one write; a record that already has one is an error."""
        ...

    def get(self, data_id: str, *, lock: bool = False) -> StoredKey | None:
        """The record's entry (None if it has none); `lock` holds it until the unit of work ends."""
        ...

    def get_many(self, data_ids: Sequence[str]) -> dict[str, StoredKey]:
        """The entries of the records that have one, in one read."""
        ...

    def erase(self, data_id: str, partner_id: str, erasure: Erasure) -> None:
        """Destroys the record's key and records the erasure (an entry is made for a record without one)."""
        ...


class IngestionUnitOfWork(UnitOfWork, Protocol):
    idempotency: IdempotencyStore
    keys: KeyStore


UnitOfWorkFactory = Callable[[], IngestionUnitOfWork]
