"""The command line: its commands, and a start-up that fails naming the malformed setting."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_service


def test_offers_serve_migrate_consume_and_relay() -> None:
    result = run_service("processing_svc", "--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "consume", "relay"):
        assert command in result.stdout


def test_a_malformed_expected_fields_file_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "fields.json"
    path.write_text('{"default": ["name"], "partners": {"p": "name"}}')
    result = run_service("processing_svc", "consume", env={"PROCESSING_EXPECTED_FIELDS_FILE": str(path)})
    assert result.returncode == 1
    assert f"PROCESSING_EXPECTED_FIELDS_FILE: {path}: 'partners.p' must be a list" in result.stderr
