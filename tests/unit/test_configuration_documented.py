"""Every variable a service reads at start is in the configuration tables of docs/operations.md, and every
variable those tables name is read by some service: the tables are what the code does, not what it did.

The variables read are recorded while each service's Settings.from_env runs, so a variable read under any
name (a prefix, a `_FILE` twin) is seen as the code spells it."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping

import pytest

from eventkit.settings import Env
from tests.stack import REPO_ROOT

OPERATIONS = REPO_ROOT / "docs" / "operations.md"
SERVICES = ("ingestion_svc", "validation_svc", "processing_svc", "query_svc")
# Each start-up path: without a service key (the APIs that read no payload) and with one, which reads the
# key store's variables too.
ENVIRONMENTS: tuple[Mapping[str, str], ...] = ({}, {"KEY_SERVICE_API_KEY": "dik_any.secret"})
# Read by a library, not by our settings: prometheus_client's multiprocess mode.
READ_ELSEWHERE = {"PROMETHEUS_MULTIPROC_DIR"}
# Old names, read only to stop the start saying the new one (the tables say it in the new one's row).
RENAMED = {"MAX_REDELIVERIES"}


class _Recording(dict[str, str]):
    """An environment that notes every name asked for."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)


def variables_read(services: Iterable[str] = SERVICES) -> set[str]:
    names: set[str] = set()
    for service in services:
        settings = importlib.import_module(f"{service}.settings").Settings
        for values in ENVIRONMENTS:
            environ = _Recording(values)
            settings.from_env(Env(environ))
            names |= environ.asked
    return names


def variables_documented(page: str) -> set[str]:
    """The variables in the first column of the Configuration section's tables (`X` / `_FILE` is X_FILE)."""
    section = page.split("## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for row in re.findall(r"^\| (.+?) \|", section, re.MULTILINE):
        listed = re.findall(r"`([A-Z][A-Z0-9_]*)`", row)
        names.update(listed)
        if "`_FILE`" in row:
            names.update(f"{name}_FILE" for name in listed)
    return names


def test_every_variable_a_service_reads_is_in_the_configuration_tables() -> None:
    missing = variables_read() - variables_documented(OPERATIONS.read_text()) - RENAMED

    assert not missing, f"read but not in docs/operations.md, Configuration: {sorted(missing)}"


def test_every_variable_in_the_configuration_tables_is_read() -> None:
    stale = variables_documented(OPERATIONS.read_text()) - variables_read() - READ_ELSEWHERE

    assert not stale, f"in docs/operations.md, Configuration, but read by no service: {sorted(stale)}"


@pytest.mark.parametrize("variable", ["VALIDATION_NACK_DELAY_MS", "KEY_SERVICE_API_KEY_FILE", "PORT"])
def test_a_row_taken_out_of_the_tables_is_reported(variable: str) -> None:
    page = OPERATIONS.read_text()
    spelled = f"`{variable.removesuffix('_FILE')}`"
    row = next(line for line in page.splitlines() if line.startswith("| ") and spelled in line)
    if variable.endswith("_FILE"):
        trimmed = page.replace(row, row.replace(" / `_FILE`", ""))
    else:
        trimmed = page.replace(row, row.replace(spelled, "`SOMETHING_ELSE`"))

    assert variable in variables_read() - variables_documented(trimmed)


def test_a_documented_variable_no_service_reads_is_reported() -> None:
    page = OPERATIONS.read_text().replace(
        "| `PORT` |", "| `RETRIES` | 5 | a name no one reads. |\n| `PORT` |", 1
    )

    assert "RETRIES" in variables_documented(page) - variables_read()
