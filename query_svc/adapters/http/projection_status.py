"""What GET /query/projections reports as `active`: the view's active generation, how far the live
consumers applied each topic, the broker's backlog of their subscription, and the consumers heard from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from query_svc.adapters.mongo.generations import records_name
from query_svc.adapters.pulsar.backlog import SubscriptionLag
from query_svc.application.ports import ViewGenerations


@dataclass(frozen=True)
class ProjectionStatus:
    """Builds the status on each call, from the stores and the broker as they are then."""

    generations: ViewGenerations
    checkpoints: Callable[[], dict[str, dict[str, Any]]]
    lags: Callable[[], list[SubscriptionLag]]
    subscription: str  # the live consumers' subscription, whose backlog is the view's lag

    def __call__(self) -> dict[str, Any]:
        lags = self.lags()
        return {
            "collection": records_name(self.generations.read_active()),
            "generation": self.generations.read_active(),
            "checkpoints": self.checkpoints(),
            "lag": {lag.topic: lag.backlog for lag in lags if lag.subscription == self.subscription},
            "consumers": [asdict(report) for report in self.generations.reports()],
        }
