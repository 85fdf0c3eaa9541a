"""Ingestion's use cases on in-memory adapters, with a clock that ticks a second per reading, and its HTTP
edge on the same adapters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient

import contracts
from eventkit.eventstore.memory import InMemoryDatabase
from eventkit.sealing.cipher import DataKey
from eventkit.sealing.events import ingested_payload
from eventkit.sealing.keys import KeyLookup
from eventkit.settings import Env
from ingestion_svc.adapters.memory import InMemoryIngestionUnitOfWork, InMemoryKeyTable
from ingestion_svc.application.commands import Idempotency, RequestContext
from ingestion_svc.application.handler import IngestRecords
from ingestion_svc.application.ports import StoredOutcome
from ingestion_svc.application.queries import IngestionQueries
from ingestion_svc.bootstrap import bootstrap, create_app
from ingestion_svc.settings import Settings
from tests.api_keys import TestKeys

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
        self.outcomes: dict[tuple[str, str], StoredOutcome] = {}
        self.data_keys = InMemoryKeyTable()
        self.clock = Clock()
        self.handler = IngestRecords(self.new_uow, TOPIC, self.clock)
        self.queries = IngestionQueries(self.new_uow)

    def new_uow(self) -> InMemoryIngestionUnitOfWork:
        return InMemoryIngestionUnitOfWork(self.database, self.outcomes, data_keys=self.data_keys)

    def published(self) -> list[contracts.IntegrationEvent]:
        return [contracts.decode(message.payload) for message in self.database.outbox]

    def key(self, record_id: str) -> DataKey | None:
        """The record's live data key in the committed key store."""
        entry = self.data_keys.entries.get(record_id)
        return entry.key if entry else None

    def opened(self, event: contracts.IntegrationEvent) -> object:
        """A published DataIngested's payload, opened with the record's key as a consumer would."""
        key = self.key(event.data_id)
        return ingested_payload(event, KeyLookup({event.data_id: key} if key else {}))


def ctx(key: str | None = None, body: str = "b") -> RequestContext:
    return RequestContext("corr-1", "caller-1", Idempotency(key, body) if key else None)


def http_client(
    database: InMemoryDatabase, data_keys: InMemoryKeyTable, keys: TestKeys, key: str, **overrides: str
) -> FlaskClient:
    """ingestion's app on the given stores, sending `key`; each client keeps its own Idempotency-Keys."""
    environ = {
        "MAX_BODY_BYTES": "4096",
        "MAX_JSON_DEPTH": "8",
        "BATCH_MAX_ITEMS": "3",
        "API_KEYS_FILE": str(keys.path),
        **overrides,
    }
    settings = Settings.from_env(Env(environ))
    outcomes: dict[tuple[str, str], StoredOutcome] = {}
    ingestion = bootstrap(
        settings, uow_factory=lambda: InMemoryIngestionUnitOfWork(database, outcomes, data_keys=data_keys)
    )
    client = create_app(settings, ingestion).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client
