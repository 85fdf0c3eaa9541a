"""Talks to the Pulsar admin REST API: readiness of the broker and of our namespace."""

from __future__ import annotations

import requests

from eventkit.health import Check


def namespace_path(namespace: str) -> str:
    """Turns `persistent://tenant/ns` into the admin path `tenant/ns`."""
    return namespace.split("://", 1)[1]


def pulsar_check(admin_url: str, namespace: str, timeout_s: float = 3.0) -> Check:
    """Passes when the broker answers for the namespace our topics live in."""
    url = f"{admin_url.rstrip('/')}/admin/v2/namespaces/{namespace_path(namespace)}"

    def check() -> str:
        requests.get(url, timeout=timeout_s).raise_for_status()
        return f"namespace {namespace_path(namespace)} served"

    return check
