"""Where the real stores and broker are: the local `make up` stack, or throwaway containers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pulsar
import pytest
from testcontainers.core.container import DockerContainer
from testcontainers.core.docker_client import DockerClient
from testcontainers.core.wait_strategies import HttpWaitStrategy, LogMessageWaitStrategy

from eventkit.pulsar.admin import PulsarAdmin
from eventkit.pulsar.client import make_client
from reliability.settings import admin_pulsar_token, stack_environment

REPO_ROOT = Path(__file__).resolve().parent.parent
PULSAR_IMAGE = "apachepulsar/pulsar:4.0.7"


@dataclass(frozen=True)
class StackEndpoints:
    ingestion_db_url: str
    processing_db_url: str
    redis_url: str  # the local stack's Redis admin: tests use key prefixes of their own and read its config
    mongo_url: str
    pulsar_service_url: str
    pulsar_admin_url: str
    pulsar_namespace: str = "persistent://public/default"
    # The broker superuser's token when the broker wants one (the local stack's: admin_pulsar_token): tests
    # create and delete namespaces and topics.
    pulsar_auth_token: str = field(default="", repr=False)

    @property
    def pulsar_admin(self) -> PulsarAdmin:
        return PulsarAdmin(self.pulsar_admin_url, self.pulsar_auth_token)

    @property
    def pulsar_environ(self) -> dict[str, str]:
        """The broker's variables for a service's settings (Env) or a service process a test starts, with
        this stack's token: it replaces any token variable of the caller's environment."""
        return {
            "PULSAR_SERVICE_URL": self.pulsar_service_url,
            "PULSAR_ADMIN_URL": self.pulsar_admin_url,
            "PULSAR_AUTH_TOKEN": self.pulsar_auth_token,
            "PULSAR_AUTH_TOKEN_FILE": "",
        }

    def pulsar_client(self, operation_timeout_s: int = 30) -> pulsar.Client:
        return make_client(
            self.pulsar_service_url,
            operation_timeout_s=operation_timeout_s,
            auth_token=self.pulsar_auth_token,
        )


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def local_stack() -> StackEndpoints:
    """The stack `make up` runs, with its credentials; fails (never skips) with what to do when it is down."""
    env = stack_environment()
    host = env["STORE_BIND_HOST"]
    ports = {
        name: int(env[name])
        for name in ("PG_PORT", "REDIS_PORT", "MONGO_PORT", "PULSAR_PORT", "PULSAR_HTTP_PORT")
    }
    down = [f"{name}={port}" for name, port in ports.items() if not _reachable(host, port)]
    if down:
        pytest.fail(f"the local stack is not running ({', '.join(down)} unreachable): run `make up` first")
    return StackEndpoints(
        ingestion_db_url=env["INGESTION_DATABASE_URL"],
        processing_db_url=env["PROCESSING_DATABASE_URL"],
        redis_url=env["REDIS_ADMIN_URL"],
        mongo_url=env["MONGO_URL"],
        pulsar_service_url=env["PULSAR_SERVICE_URL"],
        pulsar_admin_url=env["PULSAR_ADMIN_URL"],
        pulsar_auth_token=admin_pulsar_token(),
    )


@contextmanager
def containers_stack() -> Iterator[StackEndpoints]:
    """Starts the official images with testcontainers (needs a Docker engine)."""
    try:
        DockerClient().client.ping()
    except Exception as exc:
        pytest.fail(f"TEST_STACK=containers needs a running Docker engine: {exc}")
    init_sql = REPO_ROOT / "infra/docker/postgres-init.sql"
    with ExitStack() as stack:
        pg = stack.enter_context(
            DockerContainer("postgres:16")
            .with_env("POSTGRES_PASSWORD", "postgres")
            .with_volume_mapping(str(init_sql), "/docker-entrypoint-initdb.d/init.sql")
            .with_exposed_ports(5432)
            .waiting_for(LogMessageWaitStrategy("database system is ready to accept connections", times=2))
        )
        redis = stack.enter_context(
            DockerContainer("redis:7")
            .with_command("redis-server --appendonly yes --appendfsync always")
            .with_exposed_ports(6379)
            .waiting_for(LogMessageWaitStrategy("Ready to accept connections"))
        )
        mongo = stack.enter_context(
            DockerContainer("mongo:7")
            .with_exposed_ports(27017)
            .waiting_for(LogMessageWaitStrategy("Waiting for connections"))
        )
        pulsar = stack.enter_context(
            DockerContainer(PULSAR_IMAGE)
            .with_command("bin/pulsar standalone -nfw -nss")
            .with_exposed_ports(6650, 8080)
            .waiting_for(HttpWaitStrategy(8080, "/admin/v2/namespaces/public/default").for_status_code(200))
        )
        host = pg.get_container_host_ip()
        pg_port = pg.get_exposed_port(5432)
        yield StackEndpoints(
            ingestion_db_url=f"postgresql://ingestion:ingestion@{host}:{pg_port}/ingestion",
            processing_db_url=f"postgresql://processing:processing@{host}:{pg_port}/processing",
            redis_url=f"redis://{host}:{redis.get_exposed_port(6379)}/0",
            mongo_url=f"mongodb://{host}:{mongo.get_exposed_port(27017)}",
            pulsar_service_url=f"pulsar://{host}:{pulsar.get_exposed_port(6650)}",
            pulsar_admin_url=f"http://{host}:{pulsar.get_exposed_port(8080)}",
        )
