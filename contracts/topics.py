"""Pulsar topic names: a topic per kind of fact in a namespace, and each subscription's dead-letter topic.

A record's lifecycle (its versions, then its erasure) shares one topic, so Key_Shared delivers a record's
DataErased after its DataIngested versions; the results of validation and processing have a topic each.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from types import MappingProxyType

DATA_INGESTED = "data-ingested"
DATA_VALIDATED = "data-validated"
DATA_PROCESSED = "data-processed"

TOPICS: Mapping[str, str] = MappingProxyType(
    {
        "DataIngested": DATA_INGESTED,
        "DataValidated": DATA_VALIDATED,
        "DataProcessed": DATA_PROCESSED,
        "DataErased": DATA_INGESTED,
    }
)

# Each topic once, in the order above.
TOPIC_NAMES: tuple[str, ...] = tuple(dict.fromkeys(TOPICS.values()))

NAMESPACE_VARIABLE = "PULSAR_NAMESPACE"
DEFAULT_NAMESPACE = "persistent://public/default"
DEAD_LETTER_SUFFIX = "-DLQ"

_NAMESPACE = re.compile(r"(?:persistent|non-persistent)://[^/\s]+/[^/\s]+")


def namespace_from_env(environ: Mapping[str, str] | None = None) -> str:
    """Reads the namespace from PULSAR_NAMESPACE, defaulting to persistent://public/default."""
    source = os.environ if environ is None else environ
    namespace = source.get(NAMESPACE_VARIABLE, DEFAULT_NAMESPACE).rstrip("/")
    if _NAMESPACE.fullmatch(namespace) is None:
        raise ValueError(
            f"{NAMESPACE_VARIABLE} must look like persistent://<tenant>/<namespace>, got {namespace!r}"
        )
    return namespace


def topic_for(event_type: str, namespace: str | None = None) -> str:
    """Returns the fully qualified topic of an event type, in the given namespace or the environment's."""
    short = TOPICS.get(event_type)
    if short is None:
        raise ValueError(f"unknown event type {event_type!r}; known types are {', '.join(sorted(TOPICS))}")
    scope = namespace_from_env() if namespace is None else namespace_from_env({NAMESPACE_VARIABLE: namespace})
    return f"{scope}/{short}"


def dead_letter_topic(topic: str, subscription: str) -> str:
    """Returns the dead-letter topic Pulsar's clients use by default: ``<topic>-<subscription>-DLQ``."""
    if not topic or not subscription:
        raise ValueError("a dead-letter topic needs both a topic and a subscription name")
    return f"{topic}-{subscription}{DEAD_LETTER_SUFFIX}"
