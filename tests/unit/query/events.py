"""Builders of query_svc's input events, as the projector receives them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts import DataProcessed, IntegrationEvent, ProcessingStep, new_event, to_dict
from eventkit.sealing import events as sealing
from eventkit.sealing.cipher import DataKey
from query_svc.application.projector import entry_from_wire
from query_svc.domain.timeline import TimelineEntry

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
HASH = "sha256:" + "0" * 64


def ingested(
    data_id: str, version: int, payload: dict[str, Any], at: int, partner: str = "partner123"
) -> IntegrationEvent:
    return new_event(
        "DataIngested",
        data_id=data_id,
        partner_id=partner,
        record_version=version,
        data={
            "payload": payload,
            "received_at": (T0 + timedelta(seconds=at)).isoformat(),
            "content_hash": HASH,
        },
        producer="ingestion_svc",
        correlation_id="c",
        occurred_at=T0 + timedelta(seconds=at),
    )


def validated(
    data_id: str, version: int, valid: bool, at: int, partner: str = "partner123"
) -> IntegrationEvent:
    errors = [] if valid else [{"rule": "age", "field": "age", "message": "too young"}]
    return new_event(
        "DataValidated",
        data_id=data_id,
        partner_id=partner,
        record_version=version,
        data={"is_valid": valid, "errors": errors, "ruleset_version": "r1"},
        producer="validation_svc",
        correlation_id="c",
        occurred_at=T0 + timedelta(seconds=at),
    )


def processed(data_id: str, version: int, ok: bool, at: int, partner: str = "partner123") -> IntegrationEvent:
    return new_event(
        "DataProcessed",
        data_id=data_id,
        partner_id=partner,
        record_version=version,
        data={
            "status": "processed" if ok else "failed",
            "result": {"v": version},
            "steps": [],
            "pipeline_version": "p1",
        },
        producer="processing_svc",
        correlation_id="c",
        occurred_at=T0 + timedelta(seconds=at),
    )


def entry(event: IntegrationEvent) -> TimelineEntry:
    return entry_from_wire(to_dict(event), event.occurred_at)


def lifecycle(data_id: str | None = None, partner: str = "partner123") -> list[IntegrationEvent]:
    """Two versions of one record, each validated and processed; v1 invalid, v2 valid."""
    data_id = data_id or str(uuid.uuid4())
    return [
        ingested(data_id, 1, {"name": "Ada", "age": 12}, 0, partner),
        validated(data_id, 1, False, 1, partner),
        processed(data_id, 1, True, 2, partner),
        ingested(data_id, 2, {"name": "Ada", "age": 30}, 10, partner),
        validated(data_id, 2, True, 11, partner),
        processed(data_id, 2, True, 12, partner),
    ]


def sealed_ingested(
    key: DataKey, version: int, payload: dict[str, Any], at: int, partner: str = "partner123"
) -> IntegrationEvent:
    """DataIngested as ingestion publishes it since schema version 2: the payload sealed under `key`."""
    moment = T0 + timedelta(seconds=at)
    return new_event(
        "DataIngested",
        data_id=key.data_id,
        partner_id=partner,
        record_version=version,
        data=sealing.sealed_ingested(key, payload, moment, None),
        producer="ingestion_svc",
        correlation_id="c",
        occurred_at=moment,
    )


def sealed_processed(key: DataKey, version: int, at: int, partner: str = "partner123") -> IntegrationEvent:
    """DataProcessed with its result and step details sealed: the result quotes the payload's name."""
    plain = DataProcessed(
        status="processed",
        pipeline_version="p1",
        result={"v": version, "name_upper": "ADA LOVELACE"},
        steps=(ProcessingStep("normalize", "1", "succeeded", {"seen": "Ada Lovelace"}),),
    )
    return new_event(
        "DataProcessed",
        data_id=key.data_id,
        partner_id=partner,
        record_version=version,
        data=sealing.sealed_processed(key, plain),
        producer="processing_svc",
        correlation_id="c",
        occurred_at=T0 + timedelta(seconds=at),
    )


def erased(data_id: str, version: int, at: int, partner: str = "partner123") -> IntegrationEvent:
    moment = T0 + timedelta(seconds=at)
    return new_event(
        "DataErased",
        data_id=data_id,
        partner_id=partner,
        record_version=version,
        data={"erased_at": moment.isoformat(), "erased_by": "partner123", "reason": "asked to"},
        producer="ingestion_svc",
        correlation_id="c",
        occurred_at=moment,
    )
