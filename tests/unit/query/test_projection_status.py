"""GET /query/projections' `active` status: the active generation, checkpoints, the live subscription's
backlog per topic and the consumers heard from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from query_svc.adapters.http.projection_status import ProjectionStatus
from query_svc.adapters.pulsar.backlog import SubscriptionLag
from query_svc.application.ports import ConsumerReport

SEEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class _Generations:
    """ViewGenerations in memory: a pointer and one heartbeat per consumer."""

    def __init__(self, active: str) -> None:
        self.active = active
        self.heartbeats = {"host-1": ConsumerReport("host-1", active, SEEN)}

    def read_active(self) -> str:
        return self.active

    def activate(self, generation: str) -> None:
        self.active = generation

    def prepare(self, generation: str) -> None:
        pass

    def drop(self, generation: str) -> None:
        pass

    def existing(self) -> list[str]:
        return [self.active]

    def report(self, instance: str, generation: str) -> None:
        self.heartbeats[instance] = ConsumerReport(instance, generation, SEEN)

    def reports(self) -> list[ConsumerReport]:
        return list(self.heartbeats.values())


def _lags() -> list[SubscriptionLag]:
    return [
        SubscriptionLag("data-ingested", "query-projector", backlog=3, consumers=1, rate_out=0.5),
        SubscriptionLag("data-ingested", "validation_svc", backlog=40, consumers=1, rate_out=0.5),
        SubscriptionLag("data-processed", "query-projector", backlog=0, consumers=1, rate_out=0.0),
    ]


def _status(active: str, checkpoints: dict[str, dict[str, Any]]) -> ProjectionStatus:
    return ProjectionStatus(_Generations(active), lambda: checkpoints, _lags, subscription="query-projector")


def test_the_status_names_the_active_generation_and_reports_only_the_live_subscriptions_backlog() -> None:
    checkpoints = {"data-ingested": {"handled": 7, "last_occurred_at": SEEN, "consumers": 1}}

    status = _status("initial", checkpoints)()

    assert status == {
        "collection": "records",
        "generation": "initial",
        "checkpoints": checkpoints,
        "lag": {"data-ingested": 3, "data-processed": 0},
        "consumers": [{"instance": "host-1", "generation": "initial", "seen_at": SEEN}],
    }


def test_a_rebuilt_generation_is_reported_with_its_own_collection() -> None:
    status = _status("g2", {})()

    assert (status["collection"], status["generation"]) == ("records_g2", "g2")
