"""Talks to the Pulsar admin REST API: readiness (a topic lookup), topic statistics, subscriptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from contracts import DataIngested, topic_for
from eventkit.health import Check
from eventkit.settings import RuntimeSettings


def topics_path(name: str) -> str:
    """The REST path of a namespace's topics or of a topic: `persistent://t/ns/x` -> `/persistent/t/ns/x`."""
    return "/" + name.replace("://", "/", 1)


@dataclass(frozen=True)
class PulsarAdmin:
    """The broker's admin REST API at `url`; every request carries the token when there is one."""

    url: str
    token: str = field(default="", repr=False)

    @classmethod
    def for_runtime(cls, runtime: RuntimeSettings) -> PulsarAdmin:
        """The admin API a service process reaches, as its settings say (PULSAR_ADMIN_URL, its token)."""
        return cls(runtime.pulsar_admin_url, runtime.pulsar_auth_token)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def request(self, method: str, path: str, *, timeout_s: float = 5.0, **kwargs: Any) -> requests.Response:
        """Sends one request to `path` under /admin/v2 (e.g. `/namespaces/public/default`)."""
        return self._send(method, f"/admin/v2{path}", timeout_s, **kwargs)

    def get(self, path: str, *, timeout_s: float = 5.0, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, timeout_s=timeout_s, **kwargs)

    def lookup(self, topic: str, *, timeout_s: float = 5.0) -> requests.Response:
        """Asks which broker serves `topic`, as a client does before connecting: with authorization on, the
        broker answers only a role that may produce or consume there (no tenant-admin right needed)."""
        return self._send("GET", f"/lookup/v2/topic{topics_path(topic)}", timeout_s)

    def _send(self, method: str, path: str, timeout_s: float, **kwargs: Any) -> requests.Response:
        url = f"{self.url.rstrip('/')}{path}"
        return requests.request(method, url, headers=self.headers, timeout=timeout_s, **kwargs)


def pulsar_check(admin: PulsarAdmin, topic: str, timeout_s: float = 3.0) -> Check:
    """Passes when the broker would serve one of our topics to us: it is up, the topic's namespace exists
    and, with authorization on, our role may use the topic."""
    short = topic.rsplit("/", 1)[-1]

    def check() -> str:
        admin.lookup(topic, timeout_s=timeout_s).raise_for_status()
        return f"topic {short} served"

    return check


def broker_check(runtime: RuntimeSettings) -> Check:
    """The broker probe every service runs: data-ingested, which each of them publishes or consumes, is
    served to this service's role."""
    ingested = topic_for(DataIngested.EVENT_TYPE, runtime.pulsar_namespace)
    return pulsar_check(PulsarAdmin.for_runtime(runtime), ingested)
