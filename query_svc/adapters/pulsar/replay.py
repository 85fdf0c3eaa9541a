"""The event log a rebuild replays: a Pulsar Reader per event topic, from its earliest message or after a
position a reader reached before."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

import pulsar
import requests

from contracts import InvalidEvent, decode, to_dict
from eventkit.pulsar.admin import PulsarAdmin, topics_path
from eventkit.pulsar.positions import decode_position, encode_position
from query_svc.application.projector import entry_from_wire
from query_svc.domain.timeline import TimelineEntry

_log = logging.getLogger(__name__)
_READ_TIMEOUT_MS = 10_000


class PulsarTopicReader:
    def __init__(self, client: pulsar.Client, topic: str, after: str | None = None) -> None:
        self.topic = topic.rsplit("/", 1)[-1]
        start = pulsar.MessageId.earliest if after is None else decode_position(after)
        self._reader = client.create_reader(topic, start, receiver_queue_size=5000)
        self._after = after
        self._last: Any = None  # the last message id read, encoded only when asked for

    @property
    def position(self) -> str | None:
        return self._after if self._last is None else encode_position(self._last)

    def read_batch(self, max_events: int) -> list[TimelineEntry]:
        entries: list[TimelineEntry] = []
        while len(entries) < max_events and self._reader.has_message_available():
            message = self._reader.read_next(timeout_millis=_READ_TIMEOUT_MS)
            self._last = message.message_id()
            entry = _entry(message, self.topic)
            if entry is not None:
                entries.append(entry)
        return entries

    def close(self) -> None:
        with suppress(pulsar.PulsarException):
            self._reader.close()


class PulsarEventLog:
    def __init__(self, client: pulsar.Client, admin: PulsarAdmin, topics: list[str]) -> None:
        self._client = client
        self._admin = admin
        self._topics = topics

    def open_readers(self, after: Mapping[str, str] | None = None) -> list[PulsarTopicReader]:
        positions = after or {}
        return [
            PulsarTopicReader(self._client, topic, positions.get(topic.rsplit("/", 1)[-1]))
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


def _entry(message: Any, topic: str) -> TimelineEntry | None:
    try:
        event = decode(message.data())
    except InvalidEvent as error:
        # The live consumers dead-lettered it too, so no view ever applied it; neither does a rebuild.
        _log.error("rebuild skips undecodable message: %s", error, extra={"topic": topic})
        return None
    return entry_from_wire(to_dict(event), event.occurred_at)
