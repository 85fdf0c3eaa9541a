"""Fresh Redis keys, topics and producer names per test, and a running validation consumer or relay."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pulsar
import pytest
import redis

from contracts import IntegrationEvent, encode, message_key, message_properties
from eventkit.messaging import OutboundMessage, Publisher
from eventkit.pulsar.consumer import EventConsumer
from eventkit.pulsar.delivery import Delivery
from eventkit.pulsar.publisher import PulsarPublisher
from eventkit.sealing.keys import DataKeys, MemoryKeyStore
from tests.helpers import delete_topics
from tests.stack import StackEndpoints
from tests.unit.validation.rule_books import shipped
from validation_svc.adapters.redis.connection import make_redis
from validation_svc.adapters.redis.keys import Keys
from validation_svc.adapters.redis.log import RedisValidationLog
from validation_svc.adapters.redis.relay import RedisOutboxRelay
from validation_svc.application.handler import ValidateRecord


@dataclass
class Setup:
    """One test's world: its own key prefix, topics and producer names on the real servers."""

    stack: StackEndpoints
    redis: redis.Redis
    keys: Keys
    ingested_topic: str
    validated_topic: str
    suffix: str

    @property
    def log(self) -> RedisValidationLog:
        return RedisValidationLog(self.redis, self.keys)

    def handler(self, keys: DataKeys | None = None) -> ValidateRecord:
        return ValidateRecord(shipped(), self.log, self.validated_topic, keys or MemoryKeyStore())

    def consumer(
        self,
        client: pulsar.Client,
        name: str,
        *,
        max_redeliveries: int = 3,
        on_event: Callable[[str], None] = lambda _: None,
    ) -> EventConsumer:
        """A consumer on the test's subscription; `on_event` sees the data_id of every event it handles."""
        handler = self.handler()

        def handle(event: IntegrationEvent) -> None:
            handler(event)
            on_event(event.data_id)

        return EventConsumer(
            client,
            self.ingested_topic,
            f"validation-{self.suffix}",
            handle,
            delivery=Delivery(max_redeliveries=max_redeliveries, nack_delay_ms=200),
            receive_timeout_ms=200,
            consumer_name=name,
        )

    def relay(
        self, client: pulsar.Client, name: str, wrap: Callable[[Publisher], Publisher] = lambda p: p
    ) -> tuple[RedisOutboxRelay, PulsarPublisher]:
        publisher = PulsarPublisher(client, f"test-validation-relay-{self.suffix}", send_timeout_ms=5000)
        relay = RedisOutboxRelay(
            self.redis,
            wrap(publisher),
            consumer=name,
            keys=self.keys,
            block_ms=100,
            retry_s=0.1,
            lease_ms=2000,
        )
        return relay, publisher

    def publish_ingested(self, client: pulsar.Client, events: list[IntegrationEvent | bytes]) -> None:
        """Publishes events (or raw poison bytes) to the test's data-ingested topic, in order."""
        publisher = PulsarPublisher(client, f"test-ingestion-{uuid.uuid4().hex[:8]}")
        try:
            publisher.publish([self._outbound(item, n + 1) for n, item in enumerate(events)])
        finally:
            publisher.close()

    def _outbound(self, item: IntegrationEvent | bytes, sequence_id: int) -> OutboundMessage:
        if isinstance(item, bytes):
            return OutboundMessage(
                self.ingested_topic, "poison", item, f"poison-{sequence_id}", {}, sequence_id
            )
        return OutboundMessage(
            self.ingested_topic,
            message_key(item),
            encode(item),
            item.event_id,
            message_properties(item),
            sequence_id,
        )


@pytest.fixture
def setup(stack: StackEndpoints) -> Iterator[Setup]:
    suffix = uuid.uuid4().hex[:10]
    client = make_redis(stack.redis_url)
    keys = Keys(f"test-validation-{suffix}")
    ns = stack.pulsar_namespace
    yield Setup(stack, client, keys, f"{ns}/test-vin-{suffix}", f"{ns}/test-vout-{suffix}", suffix)
    doomed = list(client.scan_iter(f"{keys.prefix}:*"))
    if doomed:
        client.delete(*doomed)
    delete_topics(stack.pulsar_admin, stack.pulsar_namespace, suffix)


@contextmanager
def running(target: Callable[[threading.Event], None], name: str) -> Iterator[threading.Event]:
    """Runs a loop (consumer or relay) in a thread until the block ends."""
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), name=name)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive(), f"{name} did not stop"
