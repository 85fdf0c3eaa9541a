"""Checks every event store adapter applies to its inputs, so all of them accept and refuse the same."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def canonical_event_id(value: str) -> str:
    """Returns the UUID in its canonical lower-case form; ValueError if `value` is not a UUID."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"an event id must be a UUID, got {value!r}") from None


def aware_utc(moment: datetime, name: str) -> datetime:
    """Returns `moment` in UTC; ValueError if it is naive, because a naive time names no instant."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment.isoformat()}")
    return moment.astimezone(UTC)


def check_expected_version(expected_version: int) -> None:
    """Refuses a negative expected version (0 means a new stream)."""
    if expected_version < 0:
        raise ValueError(f"expected_version must be >= 0, got {expected_version}")


def check_json_document(document: Mapping[str, Any], name: str) -> None:
    """Refuses what a jsonb column cannot hold: non-JSON values, NaN/infinity, NUL or lone surrogates."""
    pending: list[tuple[str, Any]] = [(name, document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, Mapping):
            for key, item in value.items():
                _check_text(key, f"{path} key", require=True)
                pending.append((f"{path}.{key}", item))
        elif isinstance(value, list | tuple):
            pending.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{path} must be a finite number, got {value}")
        elif isinstance(value, str):
            _check_text(value, path)
        elif value is not None and not isinstance(value, bool | int | float):
            raise ValueError(f"{path} must be JSON (object, array, string, number, bool, null): {value!r}")


def _check_text(value: object, path: str, *, require: bool = False) -> None:
    if require and not isinstance(value, str):
        raise ValueError(f"{path} must be a string, got {value!r}")
    if isinstance(value, str):
        # PostgreSQL text cannot hold U+0000, and UTF-8 cannot encode a lone surrogate.
        if "\x00" in value:
            raise ValueError(f"{path} must not contain the NUL character (U+0000)")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{path} must not contain a lone surrogate") from None
