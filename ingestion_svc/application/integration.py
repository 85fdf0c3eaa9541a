"""Builds the integration events ingestion publishes about a record's lifecycle: each version, its erasure."""

from __future__ import annotations

from datetime import datetime

import contracts
from eventkit.messaging import OutboundMessage, outbound
from eventkit.sealing.cipher import DataKey
from eventkit.sealing.events import sealed_ingested
from ingestion_svc.application.ports import Erasure
from ingestion_svc.domain.record import DataRecord

PRODUCER = "ingestion_svc"


def data_ingested_message(
    record: DataRecord, key: DataKey, event_id: str, topic: str, correlation_id: str
) -> OutboundMessage:
    """Builds DataIngested for the record's current version (caused by store event `event_id`), its payload
    sealed and its content hash keyed under the record's data key."""
    if record.payload is None:
        raise ValueError(f"record {record.id} has no payload to publish")
    # The moment this version was received: the first submission or the amendment.
    data = sealed_ingested(key, record.payload, record.updated_at, record.external_id)
    return _message(record, data, event_id, topic, correlation_id, occurred_at=record.updated_at)


def data_erased_message(
    record: DataRecord, erasure: Erasure, event_id: str, topic: str, correlation_id: str
) -> OutboundMessage:
    """Builds DataErased, on the record's lifecycle topic after its versions, naming its current version."""
    data = contracts.DataErased(erasure.erased_at, erasure.erased_by, erasure.reason)
    return _message(record, data, event_id, topic, correlation_id, occurred_at=erasure.erased_at)


def _message(
    record: DataRecord,
    data: contracts.DataIngested | contracts.DataErased,
    event_id: str,
    topic: str,
    correlation_id: str,
    *,
    occurred_at: datetime,
) -> OutboundMessage:
    integration = contracts.new_event(
        data.EVENT_TYPE,
        data_id=record.id,
        partner_id=record.partner_id,
        record_version=record.version,
        data=data,
        producer=PRODUCER,
        correlation_id=correlation_id,
        causation_id=event_id,
        occurred_at=occurred_at,
    )
    return outbound(integration, topic)
