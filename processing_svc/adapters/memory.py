"""In-memory adapters for unit tests; they pass the same contract suites as the PostgreSQL ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from eventkit.eventstore.memory import InMemoryDatabase, InMemoryUnitOfWork
from processing_svc.application.ports import FingerprintIndex, Holder
from processing_svc.domain.steps.base import Claim

Claims = dict[tuple[str, str], str]  # (partner_id, fingerprint) -> data_id of the first record


class InMemoryDuplicateIndex:
    """Claims and releases become visible to other units of work when the owning one commits."""

    def __init__(self, committed: Claims) -> None:
        self._committed = committed
        self.pending: Claims = {}
        self.released: set[Holder] = set()

    def first_with_many(self, claims: Sequence[Claim]) -> list[str]:
        """Claims each fingerprint in order unless claimed, and returns each claim's holder."""
        return [
            self._visible(partner_id, fingerprint)
            or self.pending.setdefault((partner_id, fingerprint), data_id)
            for partner_id, fingerprint, data_id in claims
        ]

    def release(self, holders: Sequence[Holder]) -> None:
        """Forgets the records' claims, this unit of work's at once and committed ones on commit."""
        self.released.update(holders)
        for key in [key for key, data_id in self.pending.items() if (key[0], data_id) in self.released]:
            del self.pending[key]

    def _visible(self, partner_id: str, fingerprint: str) -> str | None:
        holder = self._committed.get((partner_id, fingerprint))
        return None if holder is None or (partner_id, holder) in self.released else holder


class InMemoryProcessingUnitOfWork(InMemoryUnitOfWork):
    """Single-threaded use only: unlike PostgreSQL, two interleaved claims of one key do not wait."""

    duplicates: FingerprintIndex

    def __init__(self, database: InMemoryDatabase | None = None, claims: Claims | None = None) -> None:
        super().__init__(database)
        self.claims: Claims = claims if claims is not None else {}
        self._index: InMemoryDuplicateIndex | None = None

    def __enter__(self) -> Self:
        super().__enter__()
        self._index = InMemoryDuplicateIndex(self.claims)
        self.duplicates = self._index
        return self

    def commit(self) -> None:
        super().commit()
        if self._index is not None:
            for key in [k for k, data_id in self.claims.items() if (k[0], data_id) in self._index.released]:
                del self.claims[key]
            for key, data_id in self._index.pending.items():
                self.claims.setdefault(key, data_id)
            self._index.pending.clear()
            self._index.released.clear()
