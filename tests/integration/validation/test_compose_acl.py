"""docker compose's Redis user for validation (infra/docker/redis-acl.sh) lets validation's real log, outbox
relay and lease do their work: the rules the script writes, loaded into the local Redis under a user of the
test's own, and the code run as that user. A command the code needs and the rules lack is NOPERM here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pulsar
import pytest
import redis

from eventkit.pulsar.publisher import PulsarPublisher
from tests.compose_redis_acl import REDIS_PASSWORDS, run_redis_acl
from tests.helpers import read_all
from tests.integration.validation.conftest import Setup
from tests.unit.validation.events import ingested
from validation_svc.adapters.redis.keys import Keys
from validation_svc.adapters.redis.relay import RedisOutboxRelay


def _compose_rules(tmp_path: Path, password: str) -> list[str]:
    """The validation user's rules as the compose entrypoint writes them, with this test's password."""
    assert run_redis_acl(tmp_path, **REDIS_PASSWORDS).returncode == 0
    line = next(
        li for li in (tmp_path / "users.acl").read_text().splitlines() if li.startswith("user validation ")
    )
    rules = line.split()[2:]
    return [f">{password}" if rule.startswith("#") else rule for rule in rules]


@pytest.fixture
def compose_user(setup: Setup, tmp_path: Path) -> Iterator[redis.Redis]:
    name, password = f"test-compose-validation-{setup.suffix}", uuid.uuid4().hex
    setup.redis.execute_command("ACL", "SETUSER", name, *_compose_rules(tmp_path, password))  # type: ignore[no-untyped-call]
    admin = urlparse(setup.stack.redis_url)
    url = admin._replace(netloc=f"{name}:{password}@{admin.hostname}:{admin.port}").geturl()
    client = redis.Redis.from_url(url, socket_timeout=5)
    yield client
    client.close()
    setup.redis.acl_deluser(name)


def test_validation_works_under_the_compose_user(
    setup: Setup, compose_user: redis.Redis, client: pulsar.Client
) -> None:
    keys = Keys(f"validation:test-{setup.suffix}")  # the compose user's keys are validation:*
    admin = setup.redis
    setup.redis, setup.keys = compose_user, keys
    try:
        handler = setup.handler()  # the real log and its scripts, as the compose user
        events = [ingested({"name": f"r{i}"}) for i in range(3)]
        for event in events:
            handler(event)
        publisher = PulsarPublisher(client, f"test-validation-relay-{setup.suffix}", send_timeout_ms=5000)
        relay = RedisOutboxRelay(compose_user, publisher, consumer="relay-compose", keys=keys, block_ms=100)
        try:
            assert relay.run_once()  # takes the lease, creates the group, publishes the three entries
            assert relay.run_once()  # finds nothing new: the idle wait (XINFO GROUPS, XREAD BLOCK)
        finally:
            publisher.close()
    finally:
        setup.redis = admin
        outbox_length = admin.xlen(keys.outbox)
        doomed = list(admin.scan_iter(f"{keys.prefix}:*"))
        if doomed:
            admin.delete(*doomed)
    published = read_all(client, setup.validated_topic)
    assert len(published) == 3
    assert outbox_length == 0
