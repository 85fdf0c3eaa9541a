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
    payload: dict[str, Any]
    external_id: str | None
    received_at: datetime


@dataclass(frozen=True)
class DataAmended:
    """A partner replaced a record's payload."""

    record_id: str
    payload: dict[str, Any]
    amended_at: datetime


DomainEvent = DataReceived | DataAmended
