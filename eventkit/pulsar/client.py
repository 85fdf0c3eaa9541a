"""Creates the Pulsar client a process shares among its producers, consumers and readers."""

from __future__ import annotations

import logging

import pulsar

# The C++ client logs through its own logger unless given one; route it to ours at WARNING.
_client_logger = logging.getLogger("pulsar.client")


def make_client(service_url: str, *, listener_name: str = "", operation_timeout_s: int = 30) -> pulsar.Client:
    """`listener_name` picks one of the broker's advertised listeners (PULSAR_LISTENER_NAME): the address
    lookups answer with, so every connection after the first goes there ("" = the broker's internal one)."""
    return pulsar.Client(
        service_url,
        operation_timeout_seconds=operation_timeout_s,
        connection_timeout_ms=5000,
        logger=_client_logger,
        listener_name=listener_name or None,
    )
