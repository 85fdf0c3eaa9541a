"""Redis Streams round-trip (XADD, XREADGROUP, XACK) through validation's connection factory."""

from __future__ import annotations

import uuid
from typing import Any

from tests.stack import StackEndpoints
from validation_svc.adapters.redis.connection import make_redis, redis_check


def test_stream_add_read_in_group_and_ack(stack: StackEndpoints) -> None:
    client = make_redis(stack.redis_url)
    stream, group = f"test:stream:{uuid.uuid4().hex}", "testers"
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
        entry_id = client.xadd(stream, {"event": "DataValidated", "n": "1"})
        replies: Any = client.xreadgroup(group, "consumer-1", {stream: ">"}, count=10)
        [(name, entries)] = replies
        assert name.decode() == stream
        assert entries == [(entry_id, {b"event": b"DataValidated", b"n": b"1"})]
        assert client.xpending(stream, group)["pending"] == 1
        assert client.xack(stream, group, entry_id) == 1
        assert client.xpending(stream, group)["pending"] == 0
    finally:
        client.delete(stream)


def test_append_only_file_is_on(stack: StackEndpoints) -> None:
    client = make_redis(stack.redis_url)
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert redis_check(client)() == "redis answers PING"
