"""DataIngested (plain or sealed) and DataErased events for the validation tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from contracts import DataIngested, IntegrationEvent, content_hash, new_event


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
