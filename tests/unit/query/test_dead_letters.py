"""The dead-letters use case: locating each topic's origin, bounds, unknown topics, redriving the backlog."""

from __future__ import annotations

import pytest

from query_svc.application.dead_letters import (
    DeadLetters,
    DeadLetterTopic,
    InvalidDeadLetterRequest,
    UnknownDeadLetterTopic,
    locate,
)
from query_svc.application.ports import DeadLetter

NS = "persistent://public/default"
INGESTED = f"{NS}/data-ingested"
QUERY_DLQ = f"{NS}/data-ingested-query-projector-DLQ"
PROCESSING_DLQ = f"{NS}/data-ingested-processing_svc-DLQ"


class InMemoryDeadLetterStore:
    def __init__(self, letters: dict[str, int]) -> None:
        self.letters = letters
        self.redriven: list[tuple[str, int, str | None]] = []

    def topic_names(self) -> list[str]:
        return [INGESTED, f"{NS}/data-validated", *self.letters]

    def count(self, dead_letter_topic: str) -> int:
        return self.letters[dead_letter_topic]

    def sample(self, dead_letter_topic: str, size: int) -> list[DeadLetter]:
        return [
            DeadLetter(f"1:{n}", None, f"e{n}", "DataIngested", "d", "E: x", "E", 5, None)
            for n in range(size)
        ]

    def redrive(self, dead_letter_topic: str, limit: int, fallback_topic: str | None) -> int:
        self.redriven.append((dead_letter_topic, limit, fallback_topic))
        self.letters[dead_letter_topic] -= limit
        return limit


def test_a_dead_letter_topic_is_split_at_the_longest_existing_topic_despite_hyphens() -> None:
    names = [f"{NS}/data", INGESTED, QUERY_DLQ]

    assert locate(QUERY_DLQ, names, {"query-projector": "query_svc"}) == DeadLetterTopic(
        QUERY_DLQ, INGESTED, "query-projector", "query_svc"
    )
    assert locate(PROCESSING_DLQ, names, {}).service == "processing_svc"
    assert locate(f"{NS}/gone-sub-DLQ", names, {}) == DeadLetterTopic(f"{NS}/gone-sub-DLQ", None, None, None)


def test_the_overview_lists_every_dead_letter_topic_with_a_bounded_sample() -> None:
    use_case = DeadLetters(InMemoryDeadLetterStore({QUERY_DLQ: 30, PROCESSING_DLQ: 2}))

    overview = use_case.overview(sample_size=10)

    assert [(s.location.dead_letter_topic, s.count, len(s.sample)) for s in overview] == [
        (PROCESSING_DLQ, 2, 2),
        (QUERY_DLQ, 30, 10),
    ]
    with pytest.raises(InvalidDeadLetterRequest):
        use_case.overview(sample_size=101)


def test_a_redrive_takes_the_whole_backlog_by_default_and_knows_the_original_topic() -> None:
    store = InMemoryDeadLetterStore({QUERY_DLQ: 3})
    use_case = DeadLetters(store)

    assert use_case.redrive("data-ingested-query-projector-DLQ") == 3
    assert use_case.redrive(QUERY_DLQ) == 0
    assert store.redriven == [(QUERY_DLQ, 3, INGESTED)]


def test_a_redrive_refuses_unknown_topics_and_limits_out_of_range() -> None:
    use_case = DeadLetters(InMemoryDeadLetterStore({QUERY_DLQ: 3}))

    with pytest.raises(UnknownDeadLetterTopic):
        use_case.redrive(INGESTED)  # a topic, but not a dead-letter one
    with pytest.raises(InvalidDeadLetterRequest):
        use_case.redrive(QUERY_DLQ, limit=0)
