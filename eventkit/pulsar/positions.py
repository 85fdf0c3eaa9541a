"""Turns Pulsar message ids into opaque text positions that can be stored and resumed from."""

from __future__ import annotations

import base64
from typing import Any

import pulsar


def encode_position(message_id: Any) -> str:
    """Returns the message id as ASCII text, built from the client's own serialization."""
    return base64.urlsafe_b64encode(message_id.serialize()).decode("ascii")


def decode_position(position: str) -> Any:
    """Returns the message id a position stands for, or raises ValueError for text that is not one."""
    try:
        raw = base64.b64decode(position.encode("ascii"), altchars=b"-_", validate=True)
        return pulsar.MessageId.deserialize(raw)
    # Bad base64, non-ASCII text and bytes that are no message id all surface as ValueError subclasses.
    except (ValueError, pulsar.PulsarException) as error:
        raise ValueError(f"not a message position: {position!r}") from error
