"""The Redis outbox relay's settings, checked at construction (nothing connects)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import redis

from eventkit.messaging import OutboundMessage
from validation_svc.adapters.redis.relay import RedisOutboxRelay


class _Unused:
    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        raise AssertionError("nothing is published here")

    def close(self) -> None:
        pass


def test_the_blocking_wait_must_end_before_the_socket_times_out() -> None:
    # An XREAD blocking past the socket timeout would fail every idle cycle with a TimeoutError.
    client = redis.Redis(socket_timeout=5)
    with pytest.raises(
        ValueError, match=r"block_ms \(5000\) must be shorter than the client's socket timeout"
    ):
        RedisOutboxRelay(client, _Unused(), consumer="relay", block_ms=5000)
    RedisOutboxRelay(client, _Unused(), consumer="relay", block_ms=4999)
