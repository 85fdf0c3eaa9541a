"""A migrated ingestion schema, a unique topic, and an outbox relay to the real broker."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pulsar
import pytest
from sqlalchemy import Engine

from eventkit.messaging import Publisher
from eventkit.postgres.relay import PostgresOutboxRelay
from eventkit.pulsar.publisher import PulsarPublisher
from ingestion_svc.adapters.postgres.unit_of_work import PostgresIngestionUnitOfWork
from ingestion_svc.application.handler import IngestRecords
from ingestion_svc.application.queries import IngestionQueries
from tests.helpers import delete_topics
from tests.ingestion_db import migrated_ingestion_engine, write_kek_file
from tests.stack import StackEndpoints


@dataclass
class Pipeline:
    engine: Engine
    topic: str
    producer_name: str
    lock_key: int
    handler: IngestRecords
    queries: IngestionQueries
    stack: StackEndpoints

    def relay(
        self,
        client: pulsar.Client,
        wrap: Callable[[Publisher], Publisher] = lambda publisher: publisher,
        *,
        retention: timedelta = timedelta(seconds=60),
    ) -> PostgresOutboxRelay:
        publisher = wrap(PulsarPublisher(client, self.producer_name, send_timeout_ms=5000))
        return PostgresOutboxRelay(
            self.engine,
            publisher,
            lock_key=self.lock_key,
            poll_interval_s=0.2,
            max_backoff_s=1.0,
            retention=retention,
            purge_interval_s=0.1,
        )


@pytest.fixture
def pipeline(stack: StackEndpoints, tmp_path: Path) -> Iterator[Pipeline]:
    """A fresh schema and topic per test (relay positions restart at 1: the producer name is new too)."""
    suffix = uuid.uuid4().hex[:10]
    topic = f"{stack.pulsar_namespace}/test-ingested-{suffix}"
    keks = write_kek_file(tmp_path / "kek.json")
    with migrated_ingestion_engine(stack.ingestion_db_url) as engine:

        def uow_factory() -> PostgresIngestionUnitOfWork:
            return PostgresIngestionUnitOfWork(engine, keks)

        handler, queries = IngestRecords(uow_factory, topic), IngestionQueries(uow_factory)
        lock_key = int(uuid.uuid4().int % 2**62)
        yield Pipeline(engine, topic, f"test-relay-{suffix}", lock_key, handler, queries, stack)
    delete_topics(stack.pulsar_admin, stack.pulsar_namespace, f"test-ingested-{suffix}")


class RelayThread:
    """Runs a relay until the block ends."""

    def __init__(self, relay: PostgresOutboxRelay) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=relay.run, args=(self.stop,), name="test-relay")

    def __enter__(self) -> RelayThread:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive(), "the relay did not stop"
