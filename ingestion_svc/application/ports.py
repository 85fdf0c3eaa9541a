"""Ports ingestion's use cases depend on, beyond eventkit's event store, outbox and inbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from eventkit.eventstore.ports import UnitOfWork


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


class IngestionUnitOfWork(UnitOfWork, Protocol):
    idempotency: IdempotencyStore


UnitOfWorkFactory = Callable[[], IngestionUnitOfWork]
