"""The pinned versions agree everywhere they are written, docker-compose.yml stays valid, and supervisord gives
each program the key material it needs and no other."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _pom_pulsar_version() -> str:
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    node = ET.parse(ROOT / "infra/pulsar/pom.xml").getroot().find("m:properties/m:pulsar.version", ns)
    assert node is not None and node.text
    return node.text


def _stack_env(name: str) -> str:
    match = re.search(rf"\$\{{{name}:=([^}}]+)\}}", (ROOT / "infra/stack.env").read_text())
    assert match, name
    return match.group(1)


def test_pulsar_version_is_the_same_in_maven_stack_compose_and_testcontainers() -> None:
    version = _pom_pulsar_version()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert _stack_env("PULSAR_VERSION") == version
    assert compose["services"]["pulsar"]["image"] == f"apachepulsar/pulsar:{version}"
    assert f'PULSAR_IMAGE = "apachepulsar/pulsar:{version}"' in (ROOT / "tests/stack.py").read_text()
    assert not version.startswith("4.0.0"), "4.0.0 has a packaging bug; pin a later 4.0.x"


def test_ferretdb_version_matches_the_go_module() -> None:
    go_mod = (ROOT / "infra/ferretdb/go.mod").read_text()
    assert f"github.com/FerretDB/FerretDB v{_stack_env('FERRETDB_VERSION')}" in go_mod


def test_compose_services_publish_on_loopback_only() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_compose_file_is_valid_for_docker_compose() -> None:
    tool = shutil.which("docker-compose")
    assert tool, "docker-compose (Debian package) is installed by `make provision`"
    result = subprocess.run(
        [tool, "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _supervisord_environments() -> dict[str, str]:
    config = configparser.RawConfigParser()
    config.read(ROOT / "infra/supervisord.conf")
    return {
        section.removeprefix("program:"): config.get(section, "environment", fallback="")
        for section in config.sections()
        if section.startswith("program:")
    }


def test_supervisord_gives_the_kek_file_to_ingestion_api_and_the_service_key_to_payload_readers() -> None:
    environments = _supervisord_environments()
    holders = {name for name, environ in environments.items() if "INGESTION_KEK_FILE=" in environ}
    assert holders == {"ingestion-api"}
    assert 'INGESTION_KEK_FILE="%(ENV_RUN_DIR)s/kek.json"' in environments["ingestion-api"]
    readers = {name for name, environ in environments.items() if "KEY_SERVICE_API_KEY_FILE=" in environ}
    assert readers == {
        "validation-consumer",
        "processing-consumer",
        "processing-api",
        "query-consumer",
        "query-api",
    }
    for name in readers:
        assert 'KEY_SERVICE_URL="http://%(ENV_BIND_HOST)s:%(ENV_INGESTION_PORT)s"' in environments[name], name
        assert 'KEY_SERVICE_API_KEY_FILE="%(ENV_RUN_DIR)s/service-key"' in environments[name], name


def test_make_up_makes_the_kek_file_and_the_service_key_once_for_the_service_user() -> None:
    run_dir = (ROOT / "infra/run-dir.sh").read_text()
    up = (ROOT / "infra/up.sh").read_text()
    assert "for file in api-keys.json console-secret kek.json service-key; do" in run_dir
    assert '[ -s "$file" ]' in run_dir and "| service_file kek.json" in run_dir
    assert 'keys --file "$keys" add --service' in up and '[ -s "$out" ]' in up
    assert up.index("create_service_key\nstart_services") > 0
