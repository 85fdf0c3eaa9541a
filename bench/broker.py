"""The broker the benchmarks talk to: the local stack's (or the one PULSAR_* name), as its superuser."""

from __future__ import annotations

import pulsar

from eventkit.pulsar.admin import PulsarAdmin
from eventkit.pulsar.client import make_client
from reliability.settings import admin_pulsar_token, stack_environment


def service_url() -> str:
    return stack_environment()["PULSAR_SERVICE_URL"]


def client(operation_timeout_s: int = 30) -> pulsar.Client:
    """A client as the services build theirs, with the superuser's token (benchmarks make topics)."""
    return make_client(
        service_url(), operation_timeout_s=operation_timeout_s, auth_token=admin_pulsar_token()
    )


def admin() -> PulsarAdmin:
    return PulsarAdmin(stack_environment()["PULSAR_ADMIN_URL"], admin_pulsar_token())
