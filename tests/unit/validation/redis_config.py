"""Reads the Redis durability settings where they are written: infra/redis/redis.conf and docker-compose.yml."""

from __future__ import annotations

import yaml

from tests.stack import REPO_ROOT


def redis_conf_directives() -> dict[str, str]:
    """The directives of infra/redis/redis.conf, which `make up` starts Redis with."""
    lines = (REPO_ROOT / "infra/redis/redis.conf").read_text(encoding="utf-8").splitlines()
    pairs = (line.split(None, 1) for line in lines if line.strip() and not line.startswith("#"))
    return {pair[0]: pair[1].strip() for pair in pairs if len(pair) == 2}


def compose_redis_options() -> dict[str, str]:
    """The `--name value` options docker-compose.yml passes to its redis-server."""
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    command: list[str] = compose["services"]["redis"]["command"]
    assert command[0] == "redis-server"
    flags = command[1:]
    return {name.removeprefix("--"): value for name, value in zip(flags[::2], flags[1::2], strict=True)}
