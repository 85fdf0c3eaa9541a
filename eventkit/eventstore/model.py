"""The shapes an event store keeps: events to append and events as stored."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class NewEvent:
    """A domain event about to be appended to a stream."""

    event_type: str
    data: Mapping[str, Any]
    metadata: Mapping[str, Any] = field(default_factory=dict)  # correlation_id, causation_id, partner_id, ...
    event_id: str = field(default_factory=_new_id)
    occurred_at: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class StoredEvent:
    """An event as the store keeps it: its stream, its version in that stream, its global position."""

    stream_id: str
    version: int  # 1 for a stream's first event
    position: int  # global, increasing in insertion order across all streams
    event_type: str
    data: Mapping[str, Any]
    metadata: Mapping[str, Any]
    event_id: str
    occurred_at: datetime


@dataclass(frozen=True)
class StreamAppend:
    """Events to append to one stream after `expected_version`, as part of an `append_many`."""

    stream_id: str
    expected_version: int
    events: Sequence[NewEvent]
