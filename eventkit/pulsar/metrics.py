"""Defines the Prometheus metrics of the Pulsar adapters: what was published and consumed, and how fast."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

MESSAGES_PUBLISHED = Counter(
    "pulsar_messages_published_total", "Messages the broker persisted for this process", ["topic"]
)
# A re-send after a crash that the broker recognised by its sequence id: confirmed, but not stored twice.
MESSAGES_DEDUPLICATED = Counter(
    "pulsar_messages_deduplicated_total",
    "Re-sent messages the broker confirmed as already persisted",
    ["topic"],
)
PUBLISH_SECONDS = Histogram(
    "pulsar_publish_seconds",
    "Time to publish one call's messages until every receipt came back",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
EVENTS_CONSUMED = Counter(
    "events_consumed_total",
    "Events a consumer received, by outcome (handled, failed, poison)",
    ["topic", "subscription", "outcome"],
)
EVENT_HANDLING_SECONDS = Histogram(
    "event_handling_seconds",
    "Time from decoding an event to acknowledging or negatively acknowledging it",
    ["subscription"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_DEAD_LETTERED = Counter(
    "events_dead_lettered_total",
    "Messages a consumer gave up on and published, with the reason, to its dead-letter topic",
    ["topic", "subscription"],
)
