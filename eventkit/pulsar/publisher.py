"""Publishes outbound messages to Pulsar under stable producer names, so the broker drops re-sends."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from contextlib import suppress

import pulsar

from eventkit.messaging import OutboundMessage, PublishError
from eventkit.pulsar.metrics import MESSAGES_DEDUPLICATED, MESSAGES_PUBLISHED, PUBLISH_SECONDS
from eventkit.pulsar.receipts import Receipt, Receipts

_log = logging.getLogger(__name__)

# The client fails a pending message on a timer after its send timeout, so its receipt can lag a little.
_RECEIPT_GRACE_S = 5.0


def producer_name_for(producer_name: str, topic: str) -> str:
    """Returns the producer name used on a topic: the same after every restart, as deduplication needs."""
    return f"{producer_name}-{topic.rsplit('/', 1)[-1]}"


class PulsarPublisher:
    """Implements the Publisher port with one named producer per topic, created on first use.

    A message's positive ``sequence_id`` becomes its Pulsar sequence id; ids must grow per topic and
    producer name across restarts. A ``sequence_id`` of 0 lets the producer number the message itself,
    which gives no deduplication across restarts; do not mix both kinds on one topic.
    """

    def __init__(
        self,
        client: pulsar.Client,
        producer_name: str,
        *,
        send_timeout_ms: int = 30_000,
        max_pending_messages: int = 1000,
    ) -> None:
        if send_timeout_ms <= 0:
            raise ValueError("send_timeout_ms must be positive: 0 would let a send wait forever")
        self._client = client
        self._producer_name = producer_name
        self._send_timeout_ms = send_timeout_ms
        self._max_pending_messages = max_pending_messages
        self._producers: dict[str, pulsar.Producer] = {}
        self._lock = threading.Lock()

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        """Sends the messages in order and returns once the broker confirmed every one, or raises."""
        _check_sequence_ids(messages)
        if not messages:
            return
        started = time.perf_counter()
        receipts = self._send_all(messages)
        self._flush({message.topic for message in messages})
        settled = receipts.wait(self._send_timeout_ms / 1000 + _RECEIPT_GRACE_S)
        PUBLISH_SECONDS.observe(time.perf_counter() - started)
        self._settle(settled)

    def last_sequence_id(self, topic: str) -> int:
        """Returns the highest sequence id the broker holds from this producer name on the topic, or -1."""
        try:
            return int(self._producer(topic).last_sequence_id())
        except pulsar.PulsarException as error:
            raise PublishError(f"no producer on {topic}: {error}") from error

    def close(self) -> None:
        """Closes every producer; the client itself belongs to the caller."""
        with self._lock:
            topics = list(self._producers)
        self._discard(topics)

    def _send_all(self, messages: Sequence[OutboundMessage]) -> Receipts:
        """Hands the messages to their producers, stopping at the first one that already failed."""
        receipts = Receipts()
        for message in messages:
            # Once a later sequence id is persisted, the broker drops any earlier one as a duplicate,
            # so nothing more is sent after a failure: the caller re-sends from the failed message.
            if receipts.failed:
                break
            self._send(message, receipts)
        return receipts

    def _send(self, message: OutboundMessage, receipts: Receipts) -> None:
        """Hands one message to its topic's producer without waiting for the broker."""
        try:
            producer = self._producer(message.topic)
        except pulsar.PulsarException as error:
            receipts.refuse(message, f"no producer: {error}")
            return
        callback = receipts.expect(message)
        try:
            producer.send_async(
                message.payload,
                callback,
                partition_key=message.key,
                properties=dict(message.properties),
                sequence_id=message.sequence_id if message.sequence_id > 0 else None,
            )
        except pulsar.PulsarException as error:
            callback(error, None)

    def _producer(self, topic: str) -> pulsar.Producer:
        """Returns the topic's cached producer, creating it on first use."""
        with self._lock:
            producer = self._producers.get(topic)
            if producer is None:
                producer = self._create_producer(topic)
                self._producers[topic] = producer
            return producer

    def _create_producer(self, topic: str) -> pulsar.Producer:
        """Creates a producer whose name the broker's deduplication recognises after a restart."""
        # Batching stays off: a batch carries its first sequence id and the broker drops a whole batch
        # whose first id is at or below the highest one persisted. Key-based batching splits interleaved
        # keys into batches like [1, 3] and [2, 4], so on a re-send after a restart new messages inside
        # such a batch were dropped and reported as sent (seen with broker 4.0.7, client 3.13). One
        # message per entry also lets Key_Shared route every message by its own key.
        return self._client.create_producer(
            topic,
            producer_name=producer_name_for(self._producer_name, topic),
            send_timeout_millis=self._send_timeout_ms,
            max_pending_messages=self._max_pending_messages,
            block_if_queue_full=True,
            batching_enabled=False,
        )

    def _flush(self, topics: Iterable[str]) -> None:
        """Pushes out anything the producers still hold; failures surface through the receipts."""
        with self._lock:
            producers = [self._producers[topic] for topic in topics if topic in self._producers]
        for producer in producers:
            with suppress(pulsar.PulsarException):
                producer.flush()

    def _settle(self, receipts: list[Receipt]) -> None:
        """Counts the confirmed messages and raises for the first unconfirmed one in send order."""
        for receipt in receipts:
            if receipt.ok:
                _count(receipt)
        deduplicated = sum(receipt.deduplicated for receipt in receipts)
        if deduplicated:
            _log.info("broker confirmed %d re-sent messages it had already persisted", deduplicated)
        failure = next((receipt for receipt in receipts if not receipt.ok), None)
        if failure is not None:
            # A fresh producer re-learns the broker's last persisted sequence id and replaces one that
            # was closed or fenced.
            self._discard({receipt.message.topic for receipt in receipts if not receipt.ok})
            message = failure.message
            raise PublishError(
                f"broker did not confirm event {message.event_id} on {message.topic}: {failure.result}"
            )

    def _discard(self, topics: Iterable[str]) -> None:
        """Closes and forgets the producers of the given topics."""
        for topic in topics:
            with self._lock:
                producer = self._producers.pop(topic, None)
            if producer is not None:
                with suppress(pulsar.PulsarException):
                    producer.close()


def _count(receipt: Receipt) -> None:
    """Counts one confirmed message as published or as a recognised re-send."""
    counter = MESSAGES_DEDUPLICATED if receipt.deduplicated else MESSAGES_PUBLISHED
    counter.labels(receipt.message.topic).inc()


def _check_sequence_ids(messages: Sequence[OutboundMessage]) -> None:
    """Refuses sequence ids that do not grow within a topic, which the broker would drop as duplicates."""
    last: dict[str, int] = {}
    for message in messages:
        if message.sequence_id <= 0:
            continue
        previous = last.get(message.topic, 0)
        if message.sequence_id <= previous:
            raise ValueError(
                f"sequence ids must grow per topic: event {message.event_id} on {message.topic} "
                f"has {message.sequence_id} after {previous}"
            )
        last[message.topic] = message.sequence_id
