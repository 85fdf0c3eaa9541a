"""Feeds one topic's events to a handler on a Key_Shared subscription, acknowledging only handled ones."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any, Literal

import pulsar

from contracts import IntegrationEvent, InvalidEvent, dead_letter_topic, decode
from eventkit.correlation import correlation_scope
from eventkit.pulsar.dead_letters import DeadLetterWriter, Failure, dead_letter_properties
from eventkit.pulsar.delivery import Delivery
from eventkit.pulsar.metrics import EVENT_HANDLING_SECONDS, EVENTS_CONSUMED, EVENTS_DEAD_LETTERED

EventHandler = Callable[[IntegrationEvent], None]
BatchHandler = Callable[[Sequence[IntegrationEvent]], object]  # what it returns is not used
Outcome = Literal["handled", "failed", "poison"]

_log = logging.getLogger(__name__)
_BATCH_MAX_BYTES = 16 * 1024 * 1024
ONE_AT_A_TIME = Delivery()  # no batches; five tries a second apart


class EventConsumer:
    """Runs a receive-handle-acknowledge loop for one topic until stopped.

    How it takes messages is its ``delivery`` (eventkit.pulsar.delivery). A failed or undecodable message is
    negatively acknowledged and comes back after ``nack_delay_ms`` (a fixed delay: the Python client offers
    no backoff policy for negative acknowledgements). When it fails after ``max_redeliveries``
    redeliveries, the consumer publishes it to ``dead_letter_topic`` with
    the reason (see eventkit.pulsar.dead_letters) and acknowledges it once the broker confirmed the
    letter, so one bad message never blocks the others and never goes missing.

    With a ``batch_handler`` and a ``batch`` above 1, messages are received in batches (up to ``batch``,
    waiting at most ``batch_wait_ms`` for a batch to fill) and handed over together, which lets a handler
    write them in bulk; they are acknowledged once it returns. If it raises, the batch is handled again
    one message at a time by ``handler``, so only the messages that really fail are retried.
    """

    def __init__(
        self,
        client: pulsar.Client,
        topic: str,
        subscription: str,
        handler: EventHandler,
        *,
        delivery: Delivery = ONE_AT_A_TIME,
        receive_timeout_ms: int = 500,
        consumer_name: str | None = None,
        batch_handler: BatchHandler | None = None,
        outage_errors: tuple[type[Exception], ...] = (),
    ) -> None:
        if delivery.batch > 1 and batch_handler is None:
            raise ValueError("a batch above 1 needs a batch_handler")
        self._client = client
        self.topic = topic
        self.subscription = subscription
        self.dead_letter_topic = dead_letter_topic(topic, subscription)
        self._handler = handler
        self._delivery = delivery
        self._receive_timeout_ms = receive_timeout_ms
        self._consumer_name = consumer_name
        self._batch_handler = batch_handler if delivery.batch > 1 else None
        self._outage_errors = outage_errors
        self._stopping = threading.Event()
        self._dead_letters = DeadLetterWriter(client, self.dead_letter_topic)

    def run(self, stop: threading.Event | None = None) -> None:
        """Subscribes, then handles messages until `stop()` is called or the given event is set."""
        consumer = self._subscribe()
        try:
            while not (self._stopping.is_set() or (stop is not None and stop.is_set())):
                if self._batch_handler is not None:
                    self._process_batch(consumer, self._receive_batch(consumer))
                    continue
                message = self._receive(consumer)
                if message is not None:
                    self._process(consumer, message)
        finally:
            with suppress(pulsar.PulsarException):
                consumer.close()
            _log.info("consumer stopped", extra={"topic": self.topic, "subscription": self.subscription})

    def stop(self) -> None:
        """Asks the loop to return after the message in hand; it notices within one receive timeout."""
        self._stopping.set()

    def _subscribe(self) -> pulsar.Consumer:
        """Joins the Key_Shared subscription, which a new subscription starts at the earliest message."""
        # No client dead-letter policy: the client's letter could not say why the message failed.
        return self._client.subscribe(
            self.topic,
            self.subscription,
            consumer_type=pulsar.ConsumerType.KeyShared,
            initial_position=pulsar.InitialPosition.Earliest,
            negative_ack_redelivery_delay_ms=self._delivery.nack_delay_ms,
            consumer_name=self._consumer_name,
            # the rest of a batch, after the first message (see _receive_batch)
            batch_receive_policy=pulsar.ConsumerBatchReceivePolicy(
                max(1, self._delivery.batch - 1), _BATCH_MAX_BYTES, self._delivery.batch_wait_ms
            ),
        )

    def _receive(self, consumer: pulsar.Consumer) -> Any:
        """Returns the next message, or None when none came within the receive timeout."""
        try:
            return consumer.receive(timeout_millis=self._receive_timeout_ms)
        except pulsar.Timeout:
            return None

    def _receive_batch(self, consumer: pulsar.Consumer) -> list[Any]:
        """Waits up to the receive timeout for a message, then returns it with those that follow within the
        batch wait (up to the delivery's `batch` in all); [] when none came.

        The wait for the first message blocks in the client, as `receive` does: `batch_receive` alone returns
        after each batch wait even when nothing came, which kept an idle consumer waking 100 times a second.
        """
        first = self._receive(consumer)
        if first is None:
            return []
        try:
            return [first, *consumer.batch_receive()]
        except pulsar.Timeout:
            return [first]

    def _process_batch(self, consumer: pulsar.Consumer, messages: list[Any]) -> None:
        """Hands the decodable messages to the batch handler together and acknowledges them; on failure,
        and for undecodable ones, falls back to handling each message on its own."""
        assert self._batch_handler is not None
        decoded: list[tuple[Any, IntegrationEvent]] = []
        for message in messages:
            try:
                decoded.append((message, decode(message.data())))
            except InvalidEvent:
                self._process(consumer, message)  # poison takes the single-message path to dead letters
        if not decoded:
            return
        started = time.perf_counter()
        try:
            self._batch_handler([event for _, event in decoded])
        except Exception as error:
            _log.warning(
                "batch of %d failed; handling its messages one by one",
                len(decoded),
                exc_info=True,
                extra={"topic": self.topic, "subscription": self.subscription},
            )
            outage = isinstance(error, self._outage_errors)
            self._one_by_one(consumer, [message for message, _ in decoded], outage)
            return
        elapsed = (time.perf_counter() - started) / len(decoded)
        for message, _ in decoded:
            try:
                consumer.acknowledge(message)
            except pulsar.PulsarException as error:
                _log.warning("could not settle message: %s", error, extra=self._message_fields(message))
            EVENTS_CONSUMED.labels(self.topic, self.subscription, "handled").inc()
            EVENT_HANDLING_SECONDS.labels(self.subscription).observe(elapsed)

    def _one_by_one(self, consumer: pulsar.Consumer, messages: list[Any], outage: bool) -> None:
        """Handles each message of a failed batch alone, so only the ones that really fail are retried.

        When the batch failed with one of ``outage_errors`` (a store that does not answer, say) and so does
        the first message tried alone, the cause is shared: the rest are asked for again at once instead of
        each failing slowly in turn, and come back like any failed message. Any other error is treated as
        the message's own, so a poison message never drags its batch-mates to the dead letters.
        """
        for index, message in enumerate(messages):
            failure = self._process(consumer, message)
            if outage and failure is not None and isinstance(failure.exception, self._outage_errors):
                for rest in messages[index + 1 :]:
                    self._settle_failed(consumer, rest, failure)
                    EVENTS_CONSUMED.labels(self.topic, self.subscription, "failed").inc()
                return

    def _process(self, consumer: pulsar.Consumer, message: Any) -> Failure | None:
        """Handles one message, then acknowledges it, dead-letters it or asks for its redelivery."""
        started = time.perf_counter()
        outcome, failure = self._handle(message)
        if failure is None:
            try:
                consumer.acknowledge(message)
            except pulsar.PulsarException as error:
                # The broker redelivers what it did not see acknowledged; handlers are idempotent.
                _log.warning("could not settle message: %s", error, extra=self._message_fields(message))
        else:
            self._settle_failed(consumer, message, failure)
        EVENTS_CONSUMED.labels(self.topic, self.subscription, outcome).inc()
        EVENT_HANDLING_SECONDS.labels(self.subscription).observe(time.perf_counter() - started)
        return failure

    def _settle_failed(self, consumer: pulsar.Consumer, message: Any, failure: Failure) -> None:
        """Dead-letters a message that failed its last attempt; asks for any other's redelivery."""
        try:
            if self._is_last_attempt(message):
                self._dead_letter(consumer, message, failure)
            else:
                consumer.negative_acknowledge(message)
        except pulsar.PulsarException as error:
            _log.warning("could not settle message: %s", error, extra=self._message_fields(message))

    def _handle(self, message: Any) -> tuple[Outcome, Failure | None]:
        """Decodes the message and runs the handler under the event's correlation id."""
        try:
            event = decode(message.data())
        except InvalidEvent as error:
            # Poison is retried like a failure so it reaches the dead letters instead of being dropped.
            _log.error("undecodable message: %s", error, extra=self._message_fields(message))
            return "poison", Failure.of(error)
        fields = {**self._message_fields(message), **_event_fields(event)}
        with correlation_scope(event.correlation_id):
            try:
                self._handler(event)
            except Exception as error:
                level = logging.ERROR if self._is_last_attempt(message) else logging.WARNING
                _log.log(level, "handler failed", exc_info=True, extra=fields)
                return "failed", Failure.of(error)
            _log.debug("event handled", extra=fields)
        return "handled", None

    def _dead_letter(self, consumer: pulsar.Consumer, message: Any, failure: Failure) -> None:
        """Publishes the message with its failure to the dead-letter topic, then acknowledges it."""
        properties = dead_letter_properties(message, self.topic, self.subscription, failure)
        try:
            self._dead_letters.write(message, properties)
        except pulsar.PulsarException as error:
            # Not acknowledged, so it comes back and is handled, then given up on, once more.
            _log.error("could not dead-letter message: %s", error, extra=self._message_fields(message))
            consumer.negative_acknowledge(message)
            return
        consumer.acknowledge(message)
        EVENTS_DEAD_LETTERED.labels(self.topic, self.subscription).inc()
        _log.error("message dead-lettered: %s", failure.reason, extra=self._message_fields(message))

    def _is_last_attempt(self, message: Any) -> bool:
        """Tells whether a failure now sends the message to the dead-letter topic."""
        return int(message.redelivery_count()) >= self._delivery.max_redeliveries

    def _message_fields(self, message: Any) -> dict[str, object]:
        """Returns the log fields that locate a message and say how often it came back."""
        return {
            "topic": self.topic,
            "subscription": self.subscription,
            "message_id": str(message.message_id()),
            "redelivery_count": int(message.redelivery_count()),
            "dead_letter_topic": self.dead_letter_topic,
        }


def _event_fields(event: IntegrationEvent) -> dict[str, object]:
    """Returns the log fields that identify an event."""
    return {"event_id": event.event_id, "event_type": event.event_type, "data_id": event.data_id}
