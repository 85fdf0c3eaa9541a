"""DataIngested (plain or sealed) and DataErased events for the validation tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from contracts import DataErased, DataIngested, IntegrationEvent, content_hash, new_event
from eventkit.sealing.cipher import DataKey
from eventkit.sealing.events import sealed_ingested


def ingested(
    payload: dict[str, Any] | None = None,
    *,
    data_id: str | None = None,
    version: int = 1,
    partner_id: str = "partner123",
) -> IntegrationEvent:
    body = {"name": "Ada", "age": 30} if payload is None else payload
    return new_event(
        "DataIngested",
        data_id=data_id or str(uuid.uuid4()),
        partner_id=partner_id,
        record_version=version,
        data=DataIngested(body, datetime.now(UTC), content_hash(body)),
        producer="ingestion_svc",
        correlation_id=f"corr-{uuid.uuid4().hex[:8]}",
    )


def sealed(key: DataKey, payload: dict[str, Any], *, version: int = 1) -> IntegrationEvent:
    """A DataIngested event as ingestion publishes it since version 2: the payload under the record's key."""
    return new_event(
        "DataIngested",
        data_id=key.data_id,
        partner_id="partner123",
        record_version=version,
        data=sealed_ingested(key, payload, datetime.now(UTC), None),
        producer="ingestion_svc",
        correlation_id=f"corr-{uuid.uuid4().hex[:8]}",
    )


def erased(data_id: str, *, version: int = 1) -> IntegrationEvent:
    """The DataErased event ingestion publishes when the record's key is destroyed."""
    return new_event(
        "DataErased",
        data_id=data_id,
        partner_id="partner123",
        record_version=version,
        data=DataErased(datetime.now(UTC), "partner123", "asked to be forgotten"),
        producer="ingestion_svc",
        correlation_id=f"corr-{uuid.uuid4().hex[:8]}",
    )
