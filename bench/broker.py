"""The broker the benchmarks talk to: the local stack's (or the one PULSAR_* name), with its token if any."""

from __future__ import annotations

import os

import pulsar

from eventkit.pulsar.admin import PulsarAdmin
from eventkit.pulsar.client import make_client
from eventkit.settings import Env, pulsar_auth_token


def _host() -> str:
    return os.environ.get("BIND_HOST", "127.0.0.1")


def service_url() -> str:
    return os.environ.get("PULSAR_SERVICE_URL", f"pulsar://{_host()}:{os.environ.get('PULSAR_PORT', '6650')}")


def client(operation_timeout_s: int = 30) -> pulsar.Client:
    """A client as the services build theirs (PULSAR_AUTH_TOKEN or PULSAR_AUTH_TOKEN_FILE when set)."""
    return make_client(
        service_url(), operation_timeout_s=operation_timeout_s, auth_token=pulsar_auth_token(Env())
    )


def admin() -> PulsarAdmin:
    url = os.environ.get("PULSAR_ADMIN_URL", f"http://{_host()}:{os.environ.get('PULSAR_HTTP_PORT', '8080')}")
    return PulsarAdmin(url, pulsar_auth_token(Env()))
