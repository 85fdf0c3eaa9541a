"""Redis is configured so that an acknowledged validation survives a machine crash, the same everywhere."""

from __future__ import annotations

from tests.unit.validation.redis_config import compose_redis_options, redis_conf_directives


def test_the_append_only_file_is_fsynced_on_every_write() -> None:
    directives = redis_conf_directives()
    assert directives["appendonly"] == "yes"
    assert directives["appendfsync"] == "always"


def test_docker_compose_runs_redis_with_the_same_durability_as_redis_conf() -> None:
    directives, compose = redis_conf_directives(), compose_redis_options()
    assert compose["appendonly"] == directives["appendonly"]
    assert compose["appendfsync"] == directives["appendfsync"]
