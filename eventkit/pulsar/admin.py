"""Talks to the Pulsar admin REST API: readiness of the broker and of our namespace, topic statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from eventkit.health import Check
from eventkit.settings import RuntimeSettings


def namespace_path(namespace: str) -> str:
    """Turns `persistent://tenant/ns` into the admin path `tenant/ns`."""
    return namespace.split("://", 1)[1]


def topics_path(namespace: str) -> str:
    """The admin path of a namespace's topics: `persistent://tenant/ns` -> `/persistent/tenant/ns`."""
    return "/" + namespace.replace("://", "/", 1)


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
        url = f"{self.url.rstrip('/')}/admin/v2{path}"
        return requests.request(method, url, headers=self.headers, timeout=timeout_s, **kwargs)

    def get(self, path: str, *, timeout_s: float = 5.0, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, timeout_s=timeout_s, **kwargs)


def pulsar_check(admin: PulsarAdmin, namespace: str, timeout_s: float = 3.0) -> Check:
    """Passes when the broker answers for the namespace our topics live in."""
    path = f"/namespaces/{namespace_path(namespace)}"

    def check() -> str:
        admin.get(path, timeout_s=timeout_s).raise_for_status()
        return f"namespace {namespace_path(namespace)} served"

    return check
