"""Ingestion's use cases on in-memory adapters, with a clock that ticks a second per reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import contracts
from eventkit.eventstore.memory import InMemoryDatabase
from ingestion_svc.adapters.memory import InMemoryIngestionUnitOfWork
from ingestion_svc.application.commands import Idempotency, RequestContext
from ingestion_svc.application.handler import IngestRecords
from ingestion_svc.application.ports import StoredOutcome
from ingestion_svc.application.queries import IngestionQueries

TOPIC = "persistent://public/default/data-ingested"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class World:
    def __init__(self) -> None:
        self.database = InMemoryDatabase()
        self.keys: dict[tuple[str, str], StoredOutcome] = {}
        self.clock = Clock()
        self.handler = IngestRecords(self.new_uow, TOPIC, self.clock)
        self.queries = IngestionQueries(self.new_uow)

    def new_uow(self) -> InMemoryIngestionUnitOfWork:
        return InMemoryIngestionUnitOfWork(self.database, self.keys)

    def published(self) -> list[contracts.IntegrationEvent]:
        return [contracts.decode(message.payload) for message in self.database.outbox]


def ctx(key: str | None = None, body: str = "b") -> RequestContext:
    return RequestContext("corr-1", "caller-1", Idempotency(key, body) if key else None)
