"""Commands (what a caller asks for) and results (what it gets back) of ingestion's use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class IngestRecord:
    partner_id: str
    payload: dict[str, Any]
    external_id: str | None = None


@dataclass(frozen=True)
class Idempotency:
    """An Idempotency-Key and the fingerprint of the request body it was sent with."""

    key: str
    request_hash: str


@dataclass(frozen=True)
class RequestContext:
    correlation_id: str
    caller: str  # who is asking (the authenticated principal): Idempotency-Keys are scoped to it
    idempotency: Idempotency | None = None


@dataclass(frozen=True)
class AmendRecord:
    record_id: str
    payload: dict[str, Any]
    expected_version: int | None = None  # from If-Match
    partner_id: str | None = None  # the caller's partner: a record of another partner is "not found"


@dataclass(frozen=True)
class EraseRecord:
    record_id: str
    erased_by: str  # the principal's name: the audit trail says who
    reason: str | None = None
    partner_id: str | None = None  # the caller's partner: a record of another partner is "not found"


@dataclass(frozen=True)
class Receipt:
    """What the caller learns about a stored record version."""

    id: str
    partner_id: str
    version: int
    received_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class IngestOutcome:
    receipt: Receipt
    replayed: bool = False  # True when an Idempotency-Key repeated an earlier request


@dataclass(frozen=True)
class BatchOutcome:
    receipts: list[Receipt] = field(default_factory=list)
    replayed: bool = False


@dataclass(frozen=True)
class ErasureReceipt:
    """What the caller learns about an erasure."""

    id: str
    partner_id: str
    erased_at: datetime
    erased_by: str
