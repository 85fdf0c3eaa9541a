"""The pinned versions agree everywhere they are written, and docker-compose.yml stays valid."""

from __future__ import annotations

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
