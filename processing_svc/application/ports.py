"""Ports processing's use cases depend on, beyond eventkit's event store, outbox and inbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from eventkit.eventstore.ports import UnitOfWork
from processing_svc.domain.steps.base import DuplicateIndex

Holder = tuple[str, str]  # (partner_id, data_id)


class FingerprintIndex(DuplicateIndex, Protocol):
    """The duplicate index, which also lets an erased record's fingerprints go."""

    def release(self, holders: Sequence[Holder]) -> None:
        """Deletes every fingerprint these records claimed: a payload's plain hash would confirm a guess of
        it after the record was erased. A later record with the same content claims it anew."""
        ...


class ProcessingUnitOfWork(UnitOfWork, Protocol):
    duplicates: FingerprintIndex  # writes in the same transaction as the events


UnitOfWorkFactory = Callable[[], ProcessingUnitOfWork]
