"""Writes a message that keeps failing to its dead-letter topic, with why it failed, exactly once.

A dead letter is the original payload and key with the original properties plus the ones named below.
``REAL_TOPIC`` and ``ORIGIN_MESSAGE_ID`` are the names the Pulsar clients' own dead-letter policy uses,
so letters written by either are read the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pulsar

from contracts.wire import format_rfc3339

ORIGINAL_TOPIC = "REAL_TOPIC"
ORIGIN_MESSAGE_ID = "ORIGIN_MESSAGE_ID"
REASON = "dead_letter_reason"  # "<exception type>: <message>"
ERROR_TYPE = "dead_letter_error_type"
SUBSCRIPTION = "dead_letter_subscription"
REDELIVERY_COUNT = "dead_letter_redelivery_count"
DEAD_LETTERED_AT = "dead_lettered_at"  # RFC 3339, UTC
DEAD_LETTER_PROPERTIES = (
    ORIGINAL_TOPIC,
    ORIGIN_MESSAGE_ID,
    REASON,
    ERROR_TYPE,
    SUBSCRIPTION,
    REDELIVERY_COUNT,
    DEAD_LETTERED_AT,
)

# A reason is for a person to read; a whole traceback-sized message would bloat every letter.
_MAX_REASON_CHARS = 2000


@dataclass(frozen=True)
class Failure:
    """Why a message was given up on: the exception's type and message."""

    error_type: str
    message: str
    exception: BaseException | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, error: BaseException) -> Failure:
        return cls(type(error).__name__, str(error), error)

    @property
    def reason(self) -> str:
        return f"{self.error_type}: {self.message}"[:_MAX_REASON_CHARS]


def dead_letter_properties(
    message: Any, topic: str, subscription: str, failure: Failure, now: datetime | None = None
) -> dict[str, str]:
    """Returns the original message's properties plus where it came from and why it was given up on."""
    return {
        **dict(message.properties()),
        ORIGINAL_TOPIC: topic,
        ORIGIN_MESSAGE_ID: str(message.message_id()),
        REASON: failure.reason,
        ERROR_TYPE: failure.error_type,
        SUBSCRIPTION: subscription,
        REDELIVERY_COUNT: str(int(message.redelivery_count())),
        DEAD_LETTERED_AT: format_rfc3339(now or datetime.now(UTC)),
    }


def original_properties(properties: Mapping[str, str]) -> dict[str, str]:
    """Returns a dead letter's properties without the ones dead-lettering added (for a re-publish)."""
    return {name: value for name, value in properties.items() if name not in DEAD_LETTER_PROPERTIES}


class DeadLetterWriter:
    """Publishes dead letters to one topic so that the broker keeps one letter per original message.

    Each letter is sent by a producer named after the original message's id with sequence id 1. When a
    letter was persisted but the original was not acknowledged (the process died in between), the message
    comes back, is given up on again, and the broker's deduplication drops the second letter: it knows the
    producer name's last sequence id for ``brokerDeduplicationProducerInactivityTimeoutMinutes`` (6 h by
    default), far longer than a redelivery takes.
    """

    def __init__(self, client: pulsar.Client, topic: str, *, send_timeout_ms: int = 30_000) -> None:
        self._client = client
        self.topic = topic
        self._send_timeout_ms = send_timeout_ms

    def write(self, message: Any, properties: Mapping[str, str]) -> None:
        """Returns once the broker holds the letter (or already held it), or raises pulsar.PulsarException."""
        producer = self._client.create_producer(
            self.topic,
            producer_name=_producer_name(self.topic, message.message_id()),
            send_timeout_millis=self._send_timeout_ms,
            batching_enabled=False,
        )
        try:
            producer.send(
                message.data(),
                properties=dict(properties),
                partition_key=message.partition_key() or None,
                sequence_id=1,
            )
        finally:
            producer.close()


def _producer_name(topic: str, message_id: Any) -> str:
    """The same name for every attempt to dead-letter one message: its topic's short name and position."""
    position = f"{message_id.ledger_id()}-{message_id.entry_id()}-{message_id.batch_index()}"
    return f"dead-letter-{topic.rsplit('/', 1)[-1]}-{position}-p{message_id.partition()}"
