"""Replays a topic's history with a Pulsar Reader, from the earliest message or from a stored position."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import pulsar

from contracts import IntegrationEvent, InvalidEvent, decode
from eventkit.pulsar.positions import decode_position, encode_position

ReplayHandler = Callable[[IntegrationEvent, str], None]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplayResult:
    """What a replay went through: events handed over, undecodable messages passed over, where it ended."""

    count: int
    skipped: int
    last_position: str | None  # resume_from this to continue after the last message read


def replay(
    client: pulsar.Client,
    topic: str,
    handler: ReplayHandler,
    *,
    resume_from: str | None = None,
    until_latest: bool = True,
    stop: threading.Event | None = None,
    read_timeout_ms: int = 10_000,
) -> ReplayResult:
    """Hands each event after `resume_from` (or from the earliest) to the handler with its position.

    With `until_latest` the replay ends once it has caught up with the topic; otherwise it follows new
    messages until `stop` is set. A handler error ends the replay; the positions it was given say
    where to resume.
    """
    if not until_latest and stop is None:
        raise ValueError("following a topic past its head needs a stop event")
    start = pulsar.MessageId.earliest if resume_from is None else decode_position(resume_from)
    reader = client.create_reader(topic, start)
    progress = _Progress(topic, handler, resume_from)
    try:
        while stop is None or not stop.is_set():
            if until_latest and not reader.has_message_available():
                break
            message = _read_next(reader, read_timeout_ms, follow=not until_latest)
            if message is not None:
                progress.feed(message)
    finally:
        with suppress(pulsar.PulsarException):
            reader.close()
    return progress.result()


def _read_next(reader: Any, timeout_ms: int, *, follow: bool) -> Any:
    """Returns the next message; when following, None if none came within the timeout."""
    try:
        return reader.read_next(timeout_millis=timeout_ms)
    except pulsar.Timeout:
        # Catching up, a message was announced as available, so its absence is an error worth raising.
        if follow:
            return None
        raise


class _Progress:
    """Feeds messages to the handler and tracks how far the replay got."""

    def __init__(self, topic: str, handler: ReplayHandler, position: str | None) -> None:
        self._topic = topic
        self._handler = handler
        self._count = 0
        self._skipped = 0
        self._position = position

    def feed(self, message: Any) -> None:
        """Decodes one message and hands it on, passing over (and logging) one that cannot be decoded."""
        position = encode_position(message.message_id())
        try:
            event = decode(message.data())
        except InvalidEvent as error:
            # Live consumers dead-lettered this message, so no view ever applied it; neither does a replay.
            _log.error(
                "replay skips undecodable message: %s",
                error,
                extra={"topic": self._topic, "message_id": str(message.message_id())},
            )
            self._skipped += 1
        else:
            self._handler(event, position)
            self._count += 1
        self._position = position

    def result(self) -> ReplayResult:
        """Returns the counts and the position of the last message read."""
        return ReplayResult(count=self._count, skipped=self._skipped, last_position=self._position)
