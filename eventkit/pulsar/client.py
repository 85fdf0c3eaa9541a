"""Creates the Pulsar client a process shares among its producers, consumers and readers."""

from __future__ import annotations

import logging

import pulsar

from eventkit.settings import RuntimeSettings

# The C++ client logs through its own logger unless given one; route it to ours at WARNING.
_client_logger = logging.getLogger("pulsar.client")


def make_client(
    service_url: str, *, listener_name: str = "", operation_timeout_s: int = 30, auth_token: str = ""
) -> pulsar.Client:
    """`listener_name` picks one of the broker's advertised listeners (PULSAR_LISTENER_NAME): the address
    lookups answer with, so every connection after the first goes there ("" = the broker's internal one).
    `auth_token` is the JWT a broker with token authentication wants ("" = connect without one)."""
    return pulsar.Client(
        service_url,
        authentication=pulsar.AuthenticationToken(auth_token) if auth_token else None,
        operation_timeout_seconds=operation_timeout_s,
        connection_timeout_ms=5000,
        logger=_client_logger,
        listener_name=listener_name or None,
    )


def client_for(runtime: RuntimeSettings, *, operation_timeout_s: int = 30) -> pulsar.Client:
    """The client of a service process: its broker, listener and token, as its settings say."""
    return make_client(
        runtime.pulsar_service_url,
        listener_name=runtime.pulsar_listener_name,
        operation_timeout_s=operation_timeout_s,
        auth_token=runtime.pulsar_auth_token,
    )
