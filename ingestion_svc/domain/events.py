"""Domain events of a data record: what happened to it, in the past tense."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DataReceived:
    """A partner submitted a new record."""

    record_id: str
    partner_id: str
    payload: dict[str, Any] | None  # None when read back after the record's data key was destroyed
    external_id: str | None
    received_at: datetime


@dataclass(frozen=True)
class DataAmended:
    """A partner replaced a record's payload."""

    record_id: str
    payload: dict[str, Any] | None  # None when read back after the record's data key was destroyed
    amended_at: datetime


@dataclass(frozen=True)
class DataErased:
    """A record's data key was destroyed on request: who, when and why; never what the record held."""

    record_id: str
    erased_at: datetime
    erased_by: str
    reason: str | None


DomainEvent = DataReceived | DataAmended | DataErased
