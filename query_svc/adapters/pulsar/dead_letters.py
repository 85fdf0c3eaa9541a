"""Dead-letter topics on Pulsar: counted and sampled through the admin REST API, redriven with the client.

Every dead-letter topic gets one durable subscription, ``dead-letters-admin``, created at the earliest
message (the namespace keeps every message, so none is missed): its backlog is the count, a peek at it is
the sample, and a redrive acknowledges on it what it re-published, so the count falls.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pulsar
import requests

from eventkit.messaging import OutboundMessage, PublishError
from eventkit.pulsar import dead_letters as letter
from eventkit.pulsar.admin import PulsarAdmin, topics_path
from eventkit.pulsar.publisher import PulsarPublisher
from query_svc.application.dead_letters import (
    DeadLettersUnavailable,
    InvalidDeadLetterRequest,
    RedriveInProgress,
)
from query_svc.application.ports import DeadLetter

ADMIN_SUBSCRIPTION = "dead-letters-admin"
_EARLIEST = {"ledgerId": -1, "entryId": -1}  # MessageId.earliest, as the admin API takes it
_RECEIVE_TIMEOUT_MS = 5000

_log = logging.getLogger(__name__)


class PulsarDeadLetterStore:
    """Implements DeadLetterStore on the broker of one namespace."""

    def __init__(
        self,
        connect: Callable[[], pulsar.Client],
        admin: PulsarAdmin,
        namespace: str,
        *,
        timeout_s: float = 5.0,
    ) -> None:
        self._connect = connect
        self._admin = admin
        self._base = topics_path(namespace)
        self._timeout_s = timeout_s
        self._client: pulsar.Client | None = None
        self._lock = threading.Lock()

    def topic_names(self) -> list[str]:
        return [str(name) for name in self._get("").json()]

    def count(self, dead_letter_topic: str) -> int:
        subscription = self._admin_subscription_stats(dead_letter_topic)
        return int(subscription.get("msgBacklog", 0))

    def sample(self, dead_letter_topic: str, size: int) -> list[DeadLetter]:
        sample = []
        for position in range(1, size + 1):
            response = self._get(
                f"/{_short(dead_letter_topic)}/subscription/{ADMIN_SUBSCRIPTION}/position/{position}",
                missing_ok=True,
            )
            if response.status_code == 404:  # fewer letters than asked for (some were just redriven)
                break
            sample.append(_peeked(response))
        return sample

    def redrive(self, dead_letter_topic: str, limit: int, fallback_topic: str | None) -> int:
        client = self._pulsar()
        consumer = self._subscribe(client, dead_letter_topic, limit)
        try:
            letters = _receive(consumer, limit)
            _republish(client, [_outbound(m, fallback_topic) for m in letters])
            # Only what the broker confirmed on the original topic is removed from the dead letters; a
            # failure in between leaves them to be redriven again, which consumers' inboxes absorb.
            for message in letters:
                consumer.acknowledge(message)
            return len(letters)
        finally:
            consumer.close()

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _admin_subscription_stats(self, dead_letter_topic: str) -> dict[str, Any]:
        """The stats of the admin subscription, created at the earliest message on first use."""
        path = f"/{_short(dead_letter_topic)}"
        for attempt in range(5):
            if attempt:
                time.sleep(0.1 * attempt)  # a concurrent creation (412) takes a moment to show in the stats
            response = self._get(f"{path}/stats", missing_ok=True)
            if response.status_code == 404:  # the topic was deleted meanwhile
                return {}
            subscription = response.json().get("subscriptions", {}).get(ADMIN_SUBSCRIPTION)
            if subscription is not None:
                return dict(subscription)
            self._request(
                "PUT", f"{path}/subscription/{ADMIN_SUBSCRIPTION}", json=_EARLIEST, conflict_ok=True
            )
        raise DeadLettersUnavailable(f"the broker did not create {ADMIN_SUBSCRIPTION} on {dead_letter_topic}")

    def _get(self, path: str, *, missing_ok: bool = False) -> requests.Response:
        return self._request("GET", path, missing_ok=missing_ok)

    def _request(
        self, method: str, path: str, *, missing_ok: bool = False, conflict_ok: bool = False, **kwargs: Any
    ) -> requests.Response:
        try:
            response = self._admin.request(method, f"{self._base}{path}", timeout_s=self._timeout_s, **kwargs)
        except requests.RequestException as error:
            raise DeadLettersUnavailable("the broker's admin API did not answer; retry shortly") from error
        allowed = {404} if missing_ok else set()
        # 409: it exists already; 412 "Subscription Busy": another request is creating it right now.
        allowed |= {409, 412} if conflict_ok else set()
        if response.status_code >= 400 and response.status_code not in allowed:
            _log.warning(
                "the Pulsar admin API answered %s to %s %s: %s",
                response.status_code,
                method,
                path,
                response.text[:500],
            )
            raise DeadLettersUnavailable(
                f"the broker's admin API answered {response.status_code}; retry shortly"
            )
        return response

    def _pulsar(self) -> pulsar.Client:
        """The client, created on the first redrive (each web worker has its own, after the fork)."""
        with self._lock:
            if self._client is None:
                self._client = self._connect()
            return self._client

    def _subscribe(self, client: pulsar.Client, dead_letter_topic: str, limit: int) -> pulsar.Consumer:
        try:
            return client.subscribe(
                dead_letter_topic,
                ADMIN_SUBSCRIPTION,
                consumer_type=pulsar.ConsumerType.Exclusive,
                initial_position=pulsar.InitialPosition.Earliest,
                receiver_queue_size=min(limit, 1000),
            )
        except pulsar.ConsumerBusy as error:
            raise RedriveInProgress(f"a redrive of {dead_letter_topic} is already running") from error
        except pulsar.PulsarException as error:
            raise DeadLettersUnavailable(f"could not read {dead_letter_topic}; retry shortly") from error


def _receive(consumer: pulsar.Consumer, limit: int) -> list[Any]:
    """Up to `limit` letters, oldest first; fewer if the broker has no more to give."""
    letters: list[Any] = []
    while len(letters) < limit:
        try:
            letters.append(consumer.receive(timeout_millis=_RECEIVE_TIMEOUT_MS))
        except pulsar.Timeout:
            break
    return letters


def _republish(client: pulsar.Client, messages: list[OutboundMessage]) -> None:
    # A fresh producer name per redrive: two redrives of different dead-letter topics into one original
    # topic may run at once, and the broker allows one connected producer per name.
    publisher = PulsarPublisher(client, f"dead-letters-redrive-{uuid.uuid4().hex[:12]}")
    try:
        publisher.publish(messages)
    except PublishError as error:
        raise DeadLettersUnavailable(
            "the broker did not take the redriven messages; retry the redrive"
        ) from error
    finally:
        publisher.close()


def _outbound(message: Any, fallback_topic: str | None) -> OutboundMessage:
    """The letter as it was first published: same topic, key, payload and properties, so the same event."""
    properties = dict(message.properties())
    topic = properties.get(letter.ORIGINAL_TOPIC) or fallback_topic
    if not topic:
        raise InvalidDeadLetterRequest(f"letter {message.message_id()} does not say which topic it came from")
    event_id = _event_fields(message.data()).get("event_id") or str(message.message_id())
    return OutboundMessage(
        topic=topic,
        key=message.partition_key(),
        payload=message.data(),
        event_id=event_id,
        properties=letter.original_properties(properties),
    )


def _peeked(response: requests.Response) -> DeadLetter:
    """A letter from the admin API's peek answer: payload in the body, metadata in headers."""
    properties = _header_properties(response.headers.get("X-Pulsar-PROPERTY"))
    event = _event_fields(response.content)
    count = properties.get(letter.REDELIVERY_COUNT)
    return DeadLetter(
        message_id=response.headers.get("X-Pulsar-Message-ID", ""),
        original_message_id=properties.get(letter.ORIGIN_MESSAGE_ID),
        event_id=event.get("event_id"),
        event_type=event.get("event_type") or properties.get("event_type"),
        data_id=event.get("data_id") or response.headers.get("X-Pulsar-partition-key"),
        reason=properties.get(letter.REASON),
        error_type=properties.get(letter.ERROR_TYPE),
        redelivery_count=int(count) if count and count.isascii() and count.isdigit() else None,
        dead_lettered_at=properties.get(letter.DEAD_LETTERED_AT),
    )


def _header_properties(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    # HTTP headers reach us decoded as Latin-1; the broker wrote the JSON in UTF-8.
    text = raw.encode("latin-1", errors="replace").decode("utf-8", errors="replace")
    try:
        properties = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in properties.items()} if isinstance(properties, dict) else {}


def _event_fields(payload: bytes) -> dict[str, str]:
    """The identifying fields of an event payload, read leniently: a letter may be undecodable poison."""
    try:
        event = json.loads(payload)
    except ValueError:
        return {}
    if not isinstance(event, dict):
        return {}
    return {k: str(event[k]) for k in ("event_id", "event_type", "data_id") if isinstance(event.get(k), str)}


def _short(topic: str) -> str:
    return quote(topic.rsplit("/", 1)[-1], safe="")
