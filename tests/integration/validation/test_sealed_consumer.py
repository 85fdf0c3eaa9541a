"""Sealed records through the validation consumer on the real broker and Redis: a key store outage sends
the batch back whole (one lookup per try, not one per record), nothing is dead-lettered, and what Redis
holds afterwards quotes nothing of the payloads."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from typing import Any

import pulsar

from eventkit.pulsar.delivery import Delivery
from eventkit.sealing.keys import KeyLookup, KeysUnavailable, MemoryKeyStore
from tests.helpers import read_all, wait_until
from tests.integration.validation.conftest import Setup, running
from tests.lifecycle_events import sealed
from validation_svc.adapters.pulsar.consumers import SUBSCRIPTION

RECORDS = 20
SECRET = {"name": "Quentin Secretname", "age": 200, "attributes": {"diagnosis-hiv": ["positive"]}}


class FlakyKeyStore:
    """A key store that does not answer its first `failures` lookups, then answers from memory."""

    def __init__(self, store: MemoryKeyStore, failures: int) -> None:
        self._store = store
        self._failures = failures
        self.lookups = 0
        self._lock = threading.Lock()

    def lookup(self, data_ids: Iterable[str]) -> KeyLookup:
        with self._lock:
            self.lookups += 1
            if self.lookups <= self._failures:
                raise KeysUnavailable("the key store did not answer")
        return self._store.lookup(data_ids)

    def forget(self, data_id: str) -> None:
        self._store.forget(data_id)


def _redis_text(setup: Setup) -> bytes:
    """Every field of every stream and hash under the test's prefix."""
    chunks: list[Any] = []
    redis: Any = setup.redis  # the client's answers are typed loosely; these are bytes
    for key in redis.scan_iter(f"{setup.keys.prefix}:*"):
        kind = redis.type(key)
        if kind == b"stream":
            for _, fields in redis.xrange(key):
                chunks.extend(fields.values())
        elif kind == b"hash":
            chunks.extend(redis.hgetall(key).values())
    assert chunks and all(isinstance(chunk, bytes) for chunk in chunks)
    return b"\n".join(chunks)


def test_a_key_store_outage_retries_the_batch_and_redis_keeps_no_payload(
    setup: Setup, client: pulsar.Client
) -> None:
    store = MemoryKeyStore()
    events = [sealed(store.create(str(uuid.uuid4())), SECRET) for _ in range(RECORDS)]
    setup.publish_ingested(client, list(events))
    keys = FlakyKeyStore(store, failures=2)  # the batch, then its first message alone
    consumer = SUBSCRIPTION.consumer(
        client,
        setup.ingested_topic,
        setup.handler(keys),
        Delivery(batch=100, batch_wait_ms=300),
        consumer_name="sealed",
    )
    with running(consumer.run, "consumer"):
        wait_until(lambda: setup.redis.xlen(setup.keys.outbox) == RECORDS, timeout_s=60, what="all validated")
    # Had KeysUnavailable been the message's own failure, each of the others would have asked alone.
    assert keys.lookups < RECORDS // 2, keys.lookups
    assert read_all(client, consumer.dead_letter_topic) == []
    text = _redis_text(setup)
    assert b"attributes.*" in text  # the failures are there, under the rule's path
    assert [bit for bit in (b"Quentin", b"Secretname", b"diagnosis-hiv", b"positive") if bit in text] == []
