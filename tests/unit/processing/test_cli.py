"""The command line: its commands, and a start-up that fails naming the malformed setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.stack import REPO_ROOT


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "processing_svc", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_offers_serve_migrate_consume_and_relay() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "consume", "relay"):
        assert command in result.stdout


def test_a_malformed_expected_fields_file_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "fields.json"
    path.write_text('{"default": ["name"], "partners": {"p": "name"}}')
    result = _run("consume", env={"PROCESSING_EXPECTED_FIELDS_FILE": str(path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert f"PROCESSING_EXPECTED_FIELDS_FILE: {path}: 'partners.p' must be a list" in result.stderr
