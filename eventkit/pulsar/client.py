"""Creates the Pulsar client a process shares among its producers, consumers and readers."""

from __future__ import annotations

import logging

import pulsar

# The C++ client logs through its own logger unless given one; route it to ours at WARNING.
_client_logger = logging.getLogger("pulsar.client")


def make_client(service_url: str, *, operation_timeout_s: int = 30) -> pulsar.Client:
    return pulsar.Client(
        service_url,
        operation_timeout_seconds=operation_timeout_s,
        connection_timeout_ms=5000,
        logger=_client_logger,
    )
