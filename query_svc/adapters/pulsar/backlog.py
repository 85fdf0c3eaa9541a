"""Consumer lag as the broker sees it: each subscription's backlog on the three event topics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from contracts.topics import TOPIC_NAMES
from eventkit.pulsar.admin import PulsarAdmin, topics_path
from query_svc.domain.errors import ViewUnavailable


@dataclass(frozen=True)
class SubscriptionLag:
    topic: str  # short name, e.g. data-ingested
    subscription: str
    backlog: int  # messages published but not yet acknowledged by this subscription
    consumers: int
    rate_out: float  # messages per second delivered lately


class PulsarBacklog:
    """Reads topic statistics from the Pulsar admin REST API."""

    def __init__(self, admin: PulsarAdmin, namespace: str, timeout_s: float = 3.0) -> None:
        self._admin = admin
        self._base = topics_path(namespace)
        self._timeout_s = timeout_s

    def lags(self) -> list[SubscriptionLag]:
        """Every subscription of every event topic, in pipeline order (a topic not created yet has none)."""
        rows: list[SubscriptionLag] = []
        for topic in TOPIC_NAMES:
            stats = self._stats(topic)
            for name, sub in sorted(stats.get("subscriptions", {}).items()):
                rows.append(
                    SubscriptionLag(
                        topic=topic,
                        subscription=name,
                        backlog=int(sub.get("msgBacklog", 0)),
                        consumers=len(sub.get("consumers", [])),
                        rate_out=float(sub.get("msgRateOut", 0.0)),
                    )
                )
        return rows

    def _stats(self, topic: str) -> dict[str, Any]:
        try:
            response = self._admin.get(f"{self._base}/{topic}/stats", timeout_s=self._timeout_s)
        except requests.RequestException as error:
            raise ViewUnavailable("the broker's admin API did not answer; retry shortly") from error
        if response.status_code == 404:
            return {}
        if not response.ok:
            raise ViewUnavailable(f"the broker's admin API answered {response.status_code}; retry shortly")
        body: dict[str, Any] = response.json()
        return body
