"""A migrated processing schema, fresh topics, and the handler, consumer and relay on the real servers."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pulsar
import pytest
from sqlalchemy import Engine

from contracts import IntegrationEvent, encode, message_key, message_properties
from eventkit.postgres.relay import PostgresOutboxRelay
from eventkit.pulsar.consumer import EventConsumer
from eventkit.pulsar.delivery import Delivery
from eventkit.pulsar.publisher import PulsarPublisher
from eventkit.sealing.keys import DataKeys, MemoryKeyStore
from processing_svc.adapters.postgres.unit_of_work import PostgresProcessingUnitOfWork
from processing_svc.adapters.pulsar.consumers import SUBSCRIPTION
from processing_svc.application.handler import ProcessRecord
from processing_svc.application.ports import UnitOfWorkFactory
from processing_svc.domain.pipeline import Pipeline, default_steps
from processing_svc.domain.steps.quality import ExpectedFields
from tests.helpers import delete_topics
from tests.processing_db import migrated_processing_engine
from tests.stack import StackEndpoints


@dataclass
class Processing:
    """One test's processing service: its own schema, input and output topics, and names."""

    engine: Engine
    in_topic: str
    out_topic: str
    suffix: str
    lock_key: int

    def uow(self) -> PostgresProcessingUnitOfWork:
        return PostgresProcessingUnitOfWork(self.engine)

    def handler(
        self, uow_factory: UnitOfWorkFactory | None = None, keys: DataKeys | None = None
    ) -> ProcessRecord:
        pipeline = Pipeline(default_steps(ExpectedFields(("name",))))
        return ProcessRecord(uow_factory or self.uow, pipeline, self.out_topic, keys or MemoryKeyStore())

    @property
    def subscription(self) -> str:
        return f"processing-{self.suffix}"

    def consumer(self, client: pulsar.Client, name: str = "a", max_redeliveries: int = 2) -> EventConsumer:
        """A consumer wired as processing_svc.bootstrap wires it: batches, one by one after a failure."""
        subscription = replace(SUBSCRIPTION, name=self.subscription)
        return subscription.consumer(
            client,
            self.in_topic,
            self.handler(),
            Delivery(batch=20, max_redeliveries=max_redeliveries, nack_delay_ms=200),
            consumer_name=f"processing-{self.suffix}-{name}",
        )

    def relay(self, client: pulsar.Client) -> PostgresOutboxRelay:
        publisher = PulsarPublisher(client, f"test-processing-relay-{self.suffix}", send_timeout_ms=5000)
        return PostgresOutboxRelay(
            self.engine, publisher, lock_key=self.lock_key, poll_interval_s=0.2, max_backoff_s=1.0
        )


@pytest.fixture
def processing(stack: StackEndpoints) -> Iterator[Processing]:
    suffix = uuid.uuid4().hex[:10]
    namespace = stack.pulsar_namespace
    with migrated_processing_engine(stack.processing_db_url) as engine:
        yield Processing(
            engine,
            f"{namespace}/test-p-in-{suffix}",
            f"{namespace}/test-p-out-{suffix}",
            suffix,
            int(uuid.uuid4().int % 2**62),
        )
    delete_topics(stack.pulsar_admin, stack.pulsar_namespace, suffix)


def publish(
    client: pulsar.Client, topic: str, items: list[IntegrationEvent | bytes], key: str = "poison"
) -> None:
    """Sends events (keyed by record) and raw bytes (poison, under `key`) in order, from a fresh producer."""
    producer = client.create_producer(
        topic, producer_name=f"test-feed-{uuid.uuid4().hex[:10]}", batching_enabled=False
    )
    try:
        for item in items:
            if isinstance(item, bytes):
                producer.send(item, partition_key=key)
            else:
                producer.send(
                    encode(item), partition_key=message_key(item), properties=message_properties(item)
                )
    finally:
        producer.close()


@contextmanager
def running(*loops: Callable[[threading.Event], None]) -> Iterator[None]:
    """Runs each loop (a consumer's or relay's `run`) in a thread until the block ends."""
    stop = threading.Event()
    threads = [threading.Thread(target=loop, args=(stop,), name="test-loop") for loop in loops]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a loop did not stop"
