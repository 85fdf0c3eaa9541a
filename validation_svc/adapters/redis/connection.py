"""Connects to validation's Redis and probes it."""

from __future__ import annotations

import redis

from eventkit.health import Check


def make_redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)


def redis_check(client: redis.Redis) -> Check:
    def check() -> str:
        client.ping()
        return "redis answers PING"

    return check
