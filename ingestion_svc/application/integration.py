"""Turns a record's domain event into the DataIngested integration event the outbox relays."""

from __future__ import annotations

import contracts
from eventkit.messaging import OutboundMessage, outbound
from ingestion_svc.domain.record import DataRecord

PRODUCER = "ingestion_svc"


def data_ingested_message(
    record: DataRecord, event_id: str, topic: str, correlation_id: str
) -> OutboundMessage:
    """Builds DataIngested for the record's current version (caused by store event `event_id`)."""
    data = contracts.DataIngested(
        payload=record.payload,
        # The moment this version was received: the first submission or the amendment.
        received_at=record.updated_at,
        content_hash=contracts.content_hash(record.payload),
        external_id=record.external_id,
    )
    integration = contracts.new_event(
        contracts.DataIngested.EVENT_TYPE,
        data_id=record.id,
        partner_id=record.partner_id,
        record_version=record.version,
        data=data,
        producer=PRODUCER,
        correlation_id=correlation_id,
        causation_id=event_id,
        occurred_at=record.updated_at,
    )
    return outbound(integration, topic)
