"""The table of published event types: each one's data class, latest schema and upcasters from older versions.

Publishing a new version N+1 of an event is a local change: make its schema in ``contracts.events``
describe N+1, add an ``N: upcaster`` entry here and bump ``latest_version``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from marshmallow import Schema

from contracts import events
from contracts.errors import InvalidEvent
from contracts.events import EventData
from contracts.json_values import JsonObject
from contracts.upcasting import Upcaster, data_ingested_v0_to_v1, sealed_fields_v1_to_v2, upcast


@dataclass(frozen=True)
class EventSpec:
    """How one event type's data is read and written across its schema versions."""

    data_class: type[EventData]
    schema: type[Schema]
    latest_version: int
    upcasters: Mapping[int, Upcaster] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A gap in the chain would leave some published version unreadable.
        expected = set(range(self.oldest_version, self.latest_version))
        if set(self.upcasters) != expected:
            wanted, found = sorted(expected), sorted(self.upcasters)
            raise ValueError(f"{self.event_type} upcasters must cover versions {wanted}, got {found}")

    @cached_property
    def codec(self) -> Schema:
        """One schema instance, reused: building a marshmallow schema deep-copies its fields."""
        return self.schema()

    @property
    def event_type(self) -> str:
        """The event type name that envelopes carry."""
        return self.data_class.EVENT_TYPE

    @property
    def oldest_version(self) -> int:
        """The oldest schema version that can still be read."""
        return self.latest_version - len(self.upcasters)

    def upcast(self, data: JsonObject, from_version: int) -> JsonObject:
        """Lifts data written at an older schema version to the latest one."""
        return upcast(data, self.upcasters, from_version, self.latest_version)


_SPECS = (
    EventSpec(
        events.DataIngested,
        events.DataIngestedSchema,
        latest_version=2,
        upcasters={0: data_ingested_v0_to_v1, 1: sealed_fields_v1_to_v2},
    ),
    EventSpec(events.DataValidated, events.DataValidatedSchema, latest_version=1),
    EventSpec(
        events.DataProcessed,
        events.DataProcessedSchema,
        latest_version=2,
        upcasters={1: sealed_fields_v1_to_v2},
    ),
    EventSpec(events.DataErased, events.DataErasedSchema, latest_version=1),
)

REGISTRY: Mapping[str, EventSpec] = MappingProxyType({spec.event_type: spec for spec in _SPECS})


def event_types() -> tuple[str, ...]:
    """Lists the published event type names."""
    return tuple(REGISTRY)


def spec_for(event_type: str) -> EventSpec:
    """Returns the spec of a published event type or raises InvalidEvent naming the unknown one."""
    spec = REGISTRY.get(event_type)
    if spec is None:
        known = ", ".join(sorted(REGISTRY))
        raise InvalidEvent.at("event_type", f"unknown event type {event_type!r}; known types are {known}")
    return spec
