"""The published language of the data-ingestion system: integration events, schemas, codec and topics."""

from __future__ import annotations

from contracts.canonical import CONTENT_HASH_PATTERN, canonical_json, content_hash
from contracts.codec import decode, encode, to_dict
from contracts.envelope import PARTNER_ID_PATTERN, EnvelopeSchema, IntegrationEvent
from contracts.errors import InvalidEvent
from contracts.events import (
    DataErased,
    DataErasedSchema,
    DataIngested,
    DataIngestedSchema,
    DataProcessed,
    DataProcessedSchema,
    DataValidated,
    DataValidatedSchema,
    EventData,
    ProcessingStep,
    ProcessingStepSchema,
    RuleViolation,
    RuleViolationSchema,
)
from contracts.factory import follow_up_event, new_event
from contracts.json_values import MAX_JSON_DEPTH, JsonObject, json_problem
from contracts.message import message_key, message_properties
from contracts.registry import REGISTRY, EventSpec, event_types, spec_for
from contracts.sealed import Sealed, SealedSchema
from contracts.topics import (
    DATA_INGESTED,
    DATA_PROCESSED,
    DATA_VALIDATED,
    DEFAULT_NAMESPACE,
    TOPIC_NAMES,
    TOPICS,
    dead_letter_topic,
    namespace_from_env,
    topic_for,
)
from contracts.upcasting import Upcaster

__all__ = [
    "CONTENT_HASH_PATTERN",
    "DATA_INGESTED",
    "DATA_PROCESSED",
    "DATA_VALIDATED",
    "DEFAULT_NAMESPACE",
    "MAX_JSON_DEPTH",
    "PARTNER_ID_PATTERN",
    "REGISTRY",
    "TOPICS",
    "TOPIC_NAMES",
    "DataErased",
    "DataErasedSchema",
    "DataIngested",
    "DataIngestedSchema",
    "DataProcessed",
    "DataProcessedSchema",
    "DataValidated",
    "DataValidatedSchema",
    "EnvelopeSchema",
    "EventData",
    "EventSpec",
    "IntegrationEvent",
    "InvalidEvent",
    "JsonObject",
    "ProcessingStep",
    "ProcessingStepSchema",
    "RuleViolation",
    "RuleViolationSchema",
    "Sealed",
    "SealedSchema",
    "Upcaster",
    "canonical_json",
    "content_hash",
    "dead_letter_topic",
    "decode",
    "encode",
    "event_types",
    "follow_up_event",
    "json_problem",
    "message_key",
    "message_properties",
    "namespace_from_env",
    "new_event",
    "spec_for",
    "to_dict",
    "topic_for",
]
