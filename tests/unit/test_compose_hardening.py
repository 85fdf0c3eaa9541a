"""docker-compose.yml as docker-compose resolves it: what is published, who holds which secret, and whether
every service process accepts the environment it is given (no Docker engine needed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from contracts import TOPICS, dead_letter_topic
from eventkit.settings import Env
from ingestion_svc.settings import Settings as IngestionSettings
from processing_svc.adapters.pulsar.consumers import SUBSCRIPTION as PROCESSING_SUBSCRIPTION
from processing_svc.settings import Settings as ProcessingSettings
from query_svc.adapters.pulsar.consumers import SUBSCRIPTION as QUERY_SUBSCRIPTION
from query_svc.settings import Settings as QuerySettings
from tests.compose_redis_acl import REDIS_PASSWORDS, run_redis_acl
from tests.stack import REPO_ROOT
from tests.stack_security import NAMESPACE, granted
from validation_svc.adapters.pulsar.consumers import SUBSCRIPTION as VALIDATION_SUBSCRIPTION
from validation_svc.settings import Settings as ValidationSettings

ROOT = Path(__file__).resolve().parents[2]
APIS = {"ingestion": 5001, "query": 5002, "processing": 5003, "validation": 5004}
STORES = ("postgres", "redis", "mongo", "pulsar")
# each package's settings, read as `python -m <package>` reads them at start-up
SETTINGS: dict[str, Callable[[Env], Any]] = {
    "ingestion_svc": IngestionSettings.from_env,
    "validation_svc": ValidationSettings.from_env,
    "processing_svc": ProcessingSettings.from_env,
    "query_svc": QuerySettings.from_env,
}
# `bin/pulsar tokens create` output's shape: {"alg":"HS256"}.{"sub":"query"}.signature
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJxdWVyeSJ9.c2lnbmF0dXJlLW9mLXRoZS1zZWNyZXQta2V5"


def resolved(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The file as `docker-compose config` resolves it, with only `environ` (and PATH) for variables."""
    tool = shutil.which("docker-compose")
    assert tool, "docker-compose (Debian package) is installed by `make provision`"
    result = subprocess.run(
        [tool, "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"), "config"],
        env={"PATH": os.environ["PATH"], **(environ or {})},
        cwd="/",  # no .env of a developer's checkout is read
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return resolved()


def _service_processes(compose: dict[str, Any]) -> dict[str, tuple[str, dict[str, str]]]:
    """Every container running one of our packages (`python -m <package> ...`): its package and environment."""
    found = {}
    for name, service in compose["services"].items():
        argv = [*(service.get("entrypoint") or []), *(service.get("command") or [])]
        if argv[:2] == ["python", "-m"] and argv[2] in SETTINGS:
            found[name] = (argv[2], dict(service.get("environment") or {}))
    return found


def test_only_the_four_apis_are_published_and_on_loopback(compose: dict[str, Any]) -> None:
    published = {
        name: service["ports"] for name, service in compose["services"].items() if service.get("ports")
    }
    assert set(published) == set(APIS)
    for name, ports in published.items():
        [port] = ports
        assert port.removesuffix("/tcp") == f"127.0.0.1:{APIS[name]}:{APIS[name]}"


def test_stores_and_broker_are_on_the_internal_network_alone(compose: dict[str, Any]) -> None:
    assert compose["networks"]["backend"]["internal"] is True
    for name in STORES:
        assert list(compose["services"][name]["networks"]) == ["backend"], name


def test_each_service_process_reads_only_its_own_secrets(compose: dict[str, Any]) -> None:
    for name, (package, _) in _service_processes(compose).items():
        volumes = [volume.split(":")[0] for volume in compose["services"][name].get("volumes", [])]
        secrets = [volume for volume in volumes if volume.endswith("-secrets")]
        assert secrets in ([], [package.removesuffix("_svc") + "-secrets"]), f"{name} mounts {secrets}"


def test_every_service_process_accepts_the_environment_it_is_given(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    """Each container's variables pass its service's settings (the secret files stand in for the volumes)."""
    (tmp_path / "pulsar.token").write_text(TOKEN + "\n")
    (tmp_path / "cursor-secret").write_text("c0ffee" * 11)
    (tmp_path / "service-key").write_text("dik_0123456789ab_" + "k" * 43 + "\n")
    processes = _service_processes(compose)
    assert (
        len(processes) == 14
    )  # 4 APIs, 6 consumers and relays, 2 migrations, the keys and rotate-keys tools
    for name, (package, given) in processes.items():
        # The secret files stand in for the volumes; the image's /app is this checkout.
        environ = {
            key: value.replace("/secrets/", f"{tmp_path}/").replace("/app/", f"{REPO_ROOT}/")
            for key, value in given.items()
        }
        settings = SETTINGS[package](Env(environ))
        if "PULSAR_AUTH_TOKEN_FILE" in environ:
            assert settings.runtime.pulsar_auth_token == TOKEN, name


# The processes that open sealed payloads (docs/adr/0006-erasure-by-crypto-shredding.md).
KEY_READERS = {"validation-consumer", "processing", "processing-consumer", "query", "query-consumer"}


def test_ingestion_alone_holds_the_kek_file_and_the_payload_readers_ask_it_for_keys(
    compose: dict[str, Any],
) -> None:
    processes = _service_processes(compose)
    holders = {name for name, (_, environ) in processes.items() if "INGESTION_KEK_FILE" in environ}
    assert holders == {"ingestion", "rotate-keys"}
    asking = {name for name, (_, environ) in processes.items() if "KEY_SERVICE_API_KEY_FILE" in environ}
    assert asking == KEY_READERS
    for name in asking:
        environ = processes[name][1]
        assert environ["KEY_SERVICE_URL"] == "http://ingestion:5001", name
        # the key lies in the process's own secrets volume, which it mounts read-only
        assert environ["KEY_SERVICE_API_KEY_FILE"].startswith("/secrets/"), name
        assert any(
            v.startswith(f"{processes[name][0].removesuffix('_svc')}-secrets:/secrets:ro")
            for v in compose["services"][name]["volumes"]
        ), name


def _credentials(url: str) -> tuple[str | None, str | None]:
    parts = urlsplit(url)
    return parts.username, parts.password


def test_the_dev_fallback_passwords_say_so_and_none_is_its_user_name(compose: dict[str, Any]) -> None:
    urls = [
        value
        for _, environ in _service_processes(compose).values()
        for key, value in environ.items()
        if key in ("DATABASE_URL", "REDIS_URL", "RATE_LIMIT_STORAGE_URL", "MONGO_URL")
    ]
    assert urls
    for url in urls:
        user, password = _credentials(url)
        assert user and password and password != user, url
        assert password.startswith("dev-only-") and password.endswith("-change-me"), url


def test_passwords_from_env_reach_both_the_store_and_its_clients() -> None:
    names = [
        "POSTGRES_PASSWORD",
        "INGESTION_DB_PASSWORD",
        "PROCESSING_DB_PASSWORD",
        "REDIS_INGESTION_PASSWORD",
        "REDIS_VALIDATION_PASSWORD",
        "REDIS_PROCESSING_PASSWORD",
        "REDIS_QUERY_PASSWORD",
        "MONGO_ROOT_PASSWORD",
        "MONGO_QUERY_PASSWORD",
    ]
    chosen = {name: f"{name.lower().replace('_', '-')}-0123abcd" for name in names}
    compose = resolved(chosen)
    services = compose["services"]
    assert "dev-only" not in yaml.safe_dump(compose)
    stores = {s: services[s]["environment"] for s in ("postgres", "redis", "mongo")}
    assert stores["postgres"]["INGESTION_DB_PASSWORD"] == chosen["INGESTION_DB_PASSWORD"]
    assert stores["redis"]["REDIS_QUERY_PASSWORD"] == chosen["REDIS_QUERY_PASSWORD"]
    assert stores["mongo"]["MONGO_QUERY_PASSWORD"] == chosen["MONGO_QUERY_PASSWORD"]
    clients = {
        ("ingestion", "DATABASE_URL"): ("ingestion", "INGESTION_DB_PASSWORD"),
        ("processing-consumer", "DATABASE_URL"): ("processing", "PROCESSING_DB_PASSWORD"),
        ("validation-relay", "REDIS_URL"): ("validation", "REDIS_VALIDATION_PASSWORD"),
        ("query", "RATE_LIMIT_STORAGE_URL"): ("query", "REDIS_QUERY_PASSWORD"),
        ("query-consumer", "MONGO_URL"): ("query", "MONGO_QUERY_PASSWORD"),
    }
    for (service, variable), (user, password) in clients.items():
        assert _credentials(services[service]["environment"][variable]) == (user, chosen[password])


def test_the_grant_table_creates_and_grants_the_topics_the_code_uses(compose: dict[str, Any]) -> None:
    """Each role's grants follow from the code's topic and subscription names (a consumer's dead letters go to
    <topic>-<subscription>-DLQ): a renamed subscription would leave its consumer without a grant. The table is
    infra/pulsar/grants.sh, which docker compose's pulsar-init and make up both apply."""
    table = (ROOT / "infra/pulsar/grants.sh").read_text()
    ingested, validated, processed = (
        TOPICS[kind] for kind in ("DataIngested", "DataValidated", "DataProcessed")
    )
    grants = {
        ("ingestion", "produce", ingested),
        ("validation", "consume", ingested),
        ("validation", "produce", validated),
        ("validation", "produce", dead_letter_topic(ingested, VALIDATION_SUBSCRIPTION.name)),
        ("processing", "consume", ingested),
        ("processing", "produce", processed),
        ("processing", "produce", dead_letter_topic(ingested, PROCESSING_SUBSCRIPTION.name)),
        ("query", "consume", NAMESPACE),  # readers, dead-letter listing
        *(("query", "produce", topic) for topic in (ingested, validated, processed)),
        *(
            ("query", "produce", dead_letter_topic(t, QUERY_SUBSCRIPTION.name))
            for t in (ingested, validated, processed)
        ),
    }
    assert granted(table) == grants
    created = re.search(r'^PULSAR_TOPICS="([^"]*)"', table, re.MULTILINE)
    assert created and set(created.group(1).split()) == {t for _, _, t in grants if t != NAMESPACE}
    script = (ROOT / "infra/docker/pulsar-init.sh").read_text()
    assert '. "${PULSAR_GRANTS:-/usr/local/bin/pulsar-grants.sh}"' in script and "\npulsar_grants\n" in script
    mounts = compose["services"]["pulsar-init"]["volumes"]
    assert f"{ROOT}/infra/pulsar/grants.sh:/usr/local/bin/pulsar-grants.sh:ro" in mounts


def test_redis_users_hold_hashes_and_default_is_off(tmp_path: Path) -> None:
    assert run_redis_acl(tmp_path, **REDIS_PASSWORDS).returncode == 0
    acl = (tmp_path / "users.acl").read_text()
    users = {line.split()[1]: line for line in acl.splitlines()}
    assert set(users) == {"default", "health", *APIS}  # no admin unless REDIS_ADMIN_PASSWORD is set
    assert users["default"].startswith("user default off")
    assert not any(password in acl for password in REDIS_PASSWORDS.values())
    for user in APIS:
        assert " ~LIMITS:* " in users[user] and " -@all " in users[user], user
        assert ("~validation:*" in users[user]) == (user == "validation"), user


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"REDIS_QUERY_PASSWORD": ""}, "REDIS_QUERY_PASSWORD is not set"),
        ({"REDIS_INGESTION_PASSWORD": "ingestion"}, "REDIS_INGESTION_PASSWORD must not be the user name"),
    ],
)
def test_redis_refuses_to_start_without_a_proper_password(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    result = run_redis_acl(tmp_path, **{**REDIS_PASSWORDS, **change})
    assert result.returncode != 0 and message in result.stderr
    assert not (tmp_path / "users.acl").exists()
