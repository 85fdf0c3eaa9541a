"""The event log a rebuild replays: a Pulsar Reader per event topic, from its earliest message or after a
position a reader reached before."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

import pulsar
import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from contracts import IntegrationEvent, InvalidEvent, decode
from eventkit.pulsar.admin import PulsarAdmin, topics_path
from eventkit.pulsar.positions import decode_position, encode_position
from eventkit.sealing.cipher import SealBroken
from eventkit.sealing.keys import KeyLookup, KeysUnavailable, NoKeyStore
from query_svc.application.opening import EntryOpener
from query_svc.domain.timeline import TimelineEntry

_log = logging.getLogger(__name__)
_READ_TIMEOUT_MS = 10_000
# Pauses of 1 s and 2 s: a key store restarting is waited for; a longer outage fails the rebuild (which can
# be started again) before its job, whose heartbeat this wait holds up, looks abandoned.
_KEY_ATTEMPTS = 3


class PulsarTopicReader:
    def __init__(
        self, client: pulsar.Client, topic: str, opener: EntryOpener, after: str | None = None
    ) -> None:
        self.topic = topic.rsplit("/", 1)[-1]
        self._opener = opener
        start = pulsar.MessageId.earliest if after is None else decode_position(after)
        self._reader = client.create_reader(topic, start, receiver_queue_size=5000)
        self._after = after
        self._last: Any = None  # the last message id read, encoded only when asked for

    @property
    def position(self) -> str | None:
        return self._after if self._last is None else encode_position(self._last)

    def read_batch(self, max_events: int) -> list[TimelineEntry]:
        events: list[IntegrationEvent] = []
        while len(events) < max_events and self._reader.has_message_available():
            message = self._reader.read_next(timeout_millis=_READ_TIMEOUT_MS)
            self._last = message.message_id()
            event = _event(message, self.topic)
            if event is not None:
                events.append(event)
        return self._opened(events)

    def _opened(self, events: list[IntegrationEvent]) -> list[TimelineEntry]:
        """The events' entries, opened with one lookup of keys (retried while the key store is away, so
        a short outage does not fail the rebuild); an event whose sealed field does not open is skipped,
        as the live consumers dead-letter it."""
        lookup = retried_lookup(lambda: self._opener.lookup(events), self.topic)
        entries = []
        for event in events:
            try:
                entries.append(self._opener.entry(event, lookup))
            except (SealBroken, TypeError) as error:
                _log.error("rebuild skips event %s that does not open: %s", event.event_id, error)
        return entries

    def close(self) -> None:
        with suppress(pulsar.PulsarException):
            self._reader.close()


class PulsarEventLog:
    """`opener` opens sealed events with the records' keys; without one, only plain events can be read."""

    def __init__(
        self,
        client: pulsar.Client,
        admin: PulsarAdmin,
        topics: list[str],
        opener: EntryOpener | None = None,
    ) -> None:
        self._client = client
        self._admin = admin
        self._topics = topics
        self._opener = opener or EntryOpener(NoKeyStore())

    def open_readers(self, after: Mapping[str, str] | None = None) -> list[PulsarTopicReader]:
        positions = after or {}
        return [
            PulsarTopicReader(self._client, topic, self._opener, positions.get(topic.rsplit("/", 1)[-1]))
            for topic in self._topics
        ]

    def sizes(self) -> dict[str, int]:
        return {topic.rsplit("/", 1)[-1]: self._entries(topic) for topic in self._topics}

    def _entries(self, topic: str) -> int:
        try:
            response = self._admin.get(f"{topics_path(topic)}/internalStats", timeout_s=5)
        except requests.RequestException:
            return 0
        if not response.ok:
            return 0  # a topic never written to: nothing to replay
        body: dict[str, Any] = response.json()
        return int(body.get("numberOfEntries", 0))


def _event(message: Any, topic: str) -> IntegrationEvent | None:
    try:
        return decode(message.data())
    except InvalidEvent as error:
        # The live consumers dead-lettered it too, so no view ever applied it; neither does a rebuild.
        _log.error("rebuild skips undecodable message: %s", error, extra={"topic": topic})
        return None


def retried_lookup(
    lookup: Callable[[], KeyLookup], topic: str, sleep: Callable[[float], None] = time.sleep
) -> KeyLookup:
    """The lookup, tried again after a growing pause (1 s, then 2 s) while the key store does not answer;
    KeysUnavailable once the attempts are spent."""

    def waiting(state: RetryCallState) -> None:
        pause = state.next_action.sleep if state.next_action else 0.0
        error = state.outcome.exception() if state.outcome else None
        _log.warning("rebuild waits %.1fs for the key store: %s", pause, error, extra={"topic": topic})

    retrying = Retrying(
        retry=retry_if_exception_type(KeysUnavailable),
        wait=wait_exponential(multiplier=1, min=1, max=2),
        stop=stop_after_attempt(_KEY_ATTEMPTS),
        before_sleep=waiting,
        sleep=sleep,
        reraise=True,
    )
    return retrying(lookup)
