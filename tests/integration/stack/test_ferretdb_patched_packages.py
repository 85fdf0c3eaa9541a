"""FerretDB's own unit tests of the packages our patches change, run on the patched source.

infra/ferretdb/patches/0007 rewrites how sjson (FerretDB's stored form of a document) decodes every field;
upstream's tests of that package check each type's round trip and its errors, messages included, so they
are the gate for it. Patch 0008 (pushdown of dotted paths) brings its own tests: the sort key of a path
evaluated in SQLite over stored documents, the WHERE and ORDER BY it writes, and a collection with an index
on (partner_id, payload.age, _id) queried with arrays along the path, with its query plans; and 0009's, that
`explain` reports the plan of the very statement a find or count runs. The source is the module `make up` builds from (Go's module cache), patched the way
infra/provision.sh does it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.stack import REPO_ROOT

PATCHES = sorted((REPO_ROOT / "infra" / "ferretdb" / "patches").glob("*.patch"))
TESTED_PACKAGES = ["./internal/handler/sjson/"]
PUSHDOWN_PACKAGES = [
    "./internal/backends/sqlite/",
    "./internal/backends/sqlite/metadata/",
    "./internal/handler/",
]
# Patches 0008 and 0009's tests and the one 0008 changed; the packages' other tests already fail since 0001
# and 0002 changed the expressions top-level indexes are built on (upstream's registry tests expect its own).
PUSHDOWN_TESTS = (
    "TestSortKeyTopLevelUnchanged|TestNestedSortKeyPaths|TestNestedSortKeyValues|"
    "TestScalarWhereNested|TestScalarOrderByNested|TestNestedPushdownQuery|"
    "TestExplainScalarPushdown|TestMsgExplainScalarPushdown"
)


def _ferretdb_version() -> str:
    for line in (REPO_ROOT / "infra" / "ferretdb" / "go.mod").read_text().splitlines():
        if line.startswith("require github.com/FerretDB/FerretDB "):
            return line.split()[-1]
    raise AssertionError("infra/ferretdb/go.mod does not require github.com/FerretDB/FerretDB")


@pytest.fixture(scope="module")
def patched_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("go") is None:
        pytest.fail("Go is not installed: `make provision` installs it (FerretDB is built from source)")
    downloaded = subprocess.run(
        ["go", "mod", "download", "-json", f"github.com/FerretDB/FerretDB@{_ferretdb_version()}"],
        cwd=REPO_ROOT / "infra" / "ferretdb",
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    source = tmp_path_factory.mktemp("ferretdb") / "src"
    shutil.copytree(json.loads(downloaded.stdout)["Dir"], source)
    for path in source.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    # Upstream's test helpers locate the repository root by its .git directory, and packages that import
    # its version package panic without the version file its build task writes (not in the Go module).
    subprocess.run(["git", "init", "-q"], cwd=source, check=True)
    (source / "build" / "version" / "version.txt").write_text(_ferretdb_version() + "\n")
    for patch in PATCHES:
        subprocess.run(["git", "apply", "-p1", str(patch)], cwd=source, check=True)
    return source


def _go_test(source: Path, *args: str) -> str:
    """Runs `go test` in the patched source; fails with its output's end unless every test passed."""
    result = subprocess.run(
        ["go", "test", "-count=1", *args],
        check=False,  # the assertion shows the output
        cwd=source,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "GOFLAGS": "-mod=mod"},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


def test_upstream_tests_pass_on_the_patched_packages(patched_source: Path) -> None:
    _go_test(patched_source, *TESTED_PACKAGES)


def test_the_nested_pushdown_tests_pass_on_the_patched_source(patched_source: Path) -> None:
    output = _go_test(patched_source, "-v", "-run", PUSHDOWN_TESTS, *PUSHDOWN_PACKAGES)
    ran = {line.split()[2] for line in output.splitlines() if line.startswith("--- PASS: Test")}
    assert ran == set(PUSHDOWN_TESTS.split("|")), ran  # none renamed away from the filter
