"""The running Redis fsyncs as infra/redis/redis.conf says: the durability the validation log relies on."""

from __future__ import annotations

from tests.integration.validation.conftest import Setup
from tests.unit.validation.redis_config import redis_conf_directives


def test_the_live_server_fsyncs_the_append_only_file_as_redis_conf_says(setup: Setup) -> None:
    directives = redis_conf_directives()
    assert setup.redis.config_get("appendonly") == {"appendonly": directives["appendonly"]}
    assert setup.redis.config_get("appendfsync") == {"appendfsync": directives["appendfsync"]}
