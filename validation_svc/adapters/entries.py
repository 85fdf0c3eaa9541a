"""Log entries and outgoing messages as flat string fields, the way stream entries store them."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from eventkit.messaging import OutboundMessage
from validation_svc.domain.log import LogEntry


def entry_fields(entry: LogEntry) -> str:
    """Returns the entry as compact JSON (one stream field keeps entries self-describing)."""
    return json.dumps(asdict(entry), separators=(",", ":"), sort_keys=True)


def entry_from_json(raw: str | bytes) -> LogEntry:
    data: dict[str, Any] = json.loads(raw)
    return LogEntry(**data)


def outbox_fields(message: OutboundMessage) -> dict[str, str]:
    return {
        "event_id": message.event_id,
        "topic": message.topic,
        "key": message.key,
        "payload": message.payload.decode(),
        "properties": json.dumps(dict(message.properties), sort_keys=True),
    }


def outbox_message(fields: dict[bytes, bytes]) -> OutboundMessage:
    """Reads an outbox stream entry back into the message the publisher sends."""
    text = {key.decode(): value.decode() for key, value in fields.items()}
    return OutboundMessage(
        topic=text["topic"],
        key=text["key"],
        payload=text["payload"].encode(),
        event_id=text["event_id"],
        properties=json.loads(text["properties"]),
        sequence_id=int(text["sequence_id"]),
    )
