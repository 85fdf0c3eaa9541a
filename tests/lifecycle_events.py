"""A record's lifecycle events as ingestion publishes them since schema version 2, for the tests of the
services that read them: a DataIngested with the payload sealed under the record's key, and DataErased."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from contracts import DataErased, IntegrationEvent, new_event
from eventkit.sealing.cipher import DataKey
from eventkit.sealing.events import sealed_ingested


def sealed(key: DataKey, payload: dict[str, Any], *, version: int = 1) -> IntegrationEvent:
    """A DataIngested event with the payload under the record's key."""
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
    """The DataErased event ingestion publishes on the data-ingested topic when it destroys the key."""
    return new_event(
        "DataErased",
        data_id=data_id,
        partner_id="partner123",
        record_version=version,
        data=DataErased(datetime.now(UTC), "partner123", "asked to be forgotten"),
        producer="ingestion_svc",
        correlation_id=f"corr-{uuid.uuid4().hex[:8]}",
    )
