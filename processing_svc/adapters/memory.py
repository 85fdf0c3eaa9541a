"""In-memory adapters for unit tests; they pass the same contract suites as the PostgreSQL ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from eventkit.eventstore.memory import InMemoryDatabase, InMemoryUnitOfWork
from processing_svc.domain.steps.base import Claim, DuplicateIndex

Claims = dict[tuple[str, str], str]  # (partner_id, fingerprint) -> data_id of the first record


class InMemoryDuplicateIndex:
    """Claims become visible to other units of work when the owning one commits."""

    def __init__(self, committed: Claims) -> None:
        self._committed = committed
        self.pending: Claims = {}

    def first_with_many(self, claims: Sequence[Claim]) -> list[str]:
        """Claims each fingerprint in order unless claimed, and returns each claim's holder."""
        return [
            self._committed.get((partner_id, fingerprint))
            or self.pending.setdefault((partner_id, fingerprint), data_id)
            for partner_id, fingerprint, data_id in claims
        ]


class InMemoryProcessingUnitOfWork(InMemoryUnitOfWork):
    """Single-threaded use only: unlike PostgreSQL, two interleaved claims of one key do not wait."""

    duplicates: DuplicateIndex

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
            for key, data_id in self._index.pending.items():
                self.claims.setdefault(key, data_id)
            self._index.pending.clear()
