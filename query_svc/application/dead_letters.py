"""Dead letters across the services: what each dead-letter topic holds, and putting its messages back.

Every consumer of the system gives up on a message after a bounded number of tries and publishes it, with
the reason, to ``<topic>-<subscription>-DLQ`` in the shared namespace (eventkit.pulsar.dead_letters). This
use case reads those topics, not any service's store, so it can answer for every service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from contracts.topics import DEAD_LETTER_SUFFIX
from query_svc.application.ports import DeadLetter, DeadLetterStore
from query_svc.domain.errors import QueryError

DEFAULT_SAMPLE = 10
MAX_SAMPLE = 100
MAX_REDRIVE = 10_000


class UnknownDeadLetterTopic(QueryError):
    """The named topic is not a dead-letter topic of the namespace (404)."""


class InvalidDeadLetterRequest(QueryError):
    """A sample size or redrive limit out of range (400)."""


class DeadLettersUnavailable(QueryError):
    """The broker did not answer, or would not take the re-published messages (503)."""


class RedriveInProgress(QueryError):
    """Another redrive of the same dead-letter topic is running (409)."""


@dataclass(frozen=True)
class DeadLetterTopic:
    """A dead-letter topic, the topic its letters came from and the subscription that gave up on them."""

    dead_letter_topic: str
    topic: str | None
    subscription: str | None
    service: str | None


@dataclass(frozen=True)
class DeadLetterSummary:
    location: DeadLetterTopic
    count: int
    sample: Sequence[DeadLetter] = field(default_factory=tuple)


def locate(
    dead_letter_topic: str, topic_names: Sequence[str], services: Mapping[str, str]
) -> DeadLetterTopic:
    """Splits `<topic>-<subscription>-DLQ` at the longest existing topic name that prefixes it.

    Topic and subscription names both contain hyphens, so the split needs the list of topics.
    """
    stem = dead_letter_topic.removesuffix(DEAD_LETTER_SUFFIX)
    prefixes = [name for name in topic_names if not name.endswith(DEAD_LETTER_SUFFIX)]
    origin = max((name for name in prefixes if stem.startswith(f"{name}-")), key=len, default=None)
    if origin is None:
        return DeadLetterTopic(dead_letter_topic, None, None, None)
    subscription = stem[len(origin) + 1 :]
    return DeadLetterTopic(dead_letter_topic, origin, subscription, services.get(subscription, subscription))


class DeadLetters:
    """Lists the dead letters of every service and redrives them once their cause is fixed."""

    def __init__(self, store: DeadLetterStore, services: Mapping[str, str] | None = None) -> None:
        self._store = store
        # Services subscribe under their own name; the others (e.g. query's "query-projector") are named here.
        self._services = dict(services or {})

    def topics(self) -> list[DeadLetterTopic]:
        names = self._store.topic_names()
        return [
            locate(name, names, self._services) for name in sorted(names) if name.endswith(DEAD_LETTER_SUFFIX)
        ]

    def counts(self) -> list[DeadLetterSummary]:
        """Every dead-letter topic with its count, without samples (what the metric needs)."""
        return [DeadLetterSummary(t, self._store.count(t.dead_letter_topic)) for t in self.topics()]

    def overview(self, sample_size: int = DEFAULT_SAMPLE) -> list[DeadLetterSummary]:
        """Every dead-letter topic with its count and its oldest `sample_size` letters."""
        _check_range("sample", sample_size, 0, MAX_SAMPLE)
        summaries = []
        for location in self.topics():
            count = self._store.count(location.dead_letter_topic)
            size = min(sample_size, count)
            sample = self._store.sample(location.dead_letter_topic, size) if size else []
            summaries.append(DeadLetterSummary(location, count, tuple(sample)))
        return summaries

    def count(self, dead_letter_topic: str) -> int:
        """Letters waiting in one dead-letter topic."""
        return self._store.count(self._find(dead_letter_topic).dead_letter_topic)

    def redrive(self, dead_letter_topic: str, limit: int | None = None) -> int:
        """Re-publishes up to `limit` (default: all, at most MAX_REDRIVE) letters; returns how many."""
        if limit is not None:
            _check_range("limit", limit, 1, MAX_REDRIVE)
        location = self._find(dead_letter_topic)
        wanted = min(limit or MAX_REDRIVE, self._store.count(location.dead_letter_topic))
        if wanted == 0:
            return 0
        return self._store.redrive(location.dead_letter_topic, wanted, location.topic)

    def _find(self, dead_letter_topic: str) -> DeadLetterTopic:
        for location in self.topics():
            if dead_letter_topic in (location.dead_letter_topic, _short(location.dead_letter_topic)):
                return location
        raise UnknownDeadLetterTopic(
            f"{dead_letter_topic!r} is not a dead-letter topic of the namespace; "
            "GET /admin/dead-letters lists them"
        )


def _short(topic: str) -> str:
    return topic.rsplit("/", 1)[-1]


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidDeadLetterRequest(f"{name} must be an integer from {low} to {high}, got {value}")
