"""The import-linter contracts in pyproject.toml hold for the tree, and each kind of contract we rely on
breaks when its violation is planted in a throwaway package: `make archcheck` is a check that can fail.
Beside them, no module imports itself through others at run time (a package's `__init__` and its own
modules included, which import-linter's sibling rule does not see)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import grimp
import pytest

from tests.stack import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
_CONFIG = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
ROOT_PACKAGES: list[str] = _CONFIG["root_packages"]
CONTRACTS: list[dict[str, Any]] = _CONFIG["contracts"]


def _contract(kind: str, name: str | None = None) -> dict[str, Any]:
    (contract,) = [c for c in CONTRACTS if c["type"] == kind and name in (None, c["name"])]
    return contract


def _import_cycle(*packages: str) -> list[str] | None:
    """A cycle of run-time imports among the packages' modules (imports under TYPE_CHECKING do not run)."""
    graph = grimp.build_graph(*packages, exclude_type_checking_imports=True, cache_dir=None)
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    try:
        TopologicalSorter(imports).prepare()
    except CycleError as error:
        return list(error.args[1])
    return None


def _lint(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _planted(
    tmp_path: Path, modules: dict[str, str], contract: dict[str, Any]
) -> subprocess.CompletedProcess[str]:
    """Writes package `planted` (module path -> source) and a config holding only `contract`, then lints."""
    for name, source in modules.items():
        path = tmp_path / "planted" / Path(*name.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        for package in [path.parent, *path.parent.parents]:
            if package == tmp_path:
                break
            (package / "__init__.py").touch()
        path.write_text(source)
    lines = ["[tool.importlinter]", 'root_packages = ["planted"]', "", "[[tool.importlinter.contracts]]"]
    lines += [f"{key} = {_toml(value)}" for key, value in contract.items()]
    config = tmp_path / "planted.toml"
    config.write_text("\n".join(lines) + "\n")
    return _lint(config, tmp_path)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace('"', '\\"') + '"'


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(REPO_ROOT / "pyproject.toml", REPO_ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("kind", "modules", "scope"),
    [
        (
            "acyclic_siblings",
            {"alpha": "from planted import beta\n", "beta": "from planted import alpha\n"},
            {"ancestors": ["planted"]},
        ),
        (
            "layers",
            {
                "svc.domain.model": "from planted.svc.adapters import store\n",
                "svc.adapters.store": "",
                "svc.application.handler": "",
                "svc.bootstrap": "",
            },
            {"containers": ["planted.svc"]},
        ),
        (
            "independence",
            {"one_svc.api": "from planted.two_svc import api\n", "two_svc.api": ""},
            {"modules": ["planted.one_svc", "planted.two_svc"]},
        ),
        (
            "forbidden",
            {"shared.tool": "from planted.one_svc import api\n", "one_svc.api": ""},
            {"source_modules": ["planted.shared"], "forbidden_modules": ["planted.one_svc"]},
        ),
    ],
)
def test_a_planted_violation_breaks_the_contract_of_its_kind(
    tmp_path: Path, kind: str, modules: dict[str, str], scope: dict[str, Any]
) -> None:
    name = "The shared runtime and the contracts import no service" if kind == "forbidden" else None
    contract = {**_contract(kind, name), **scope}

    result = _planted(tmp_path, modules, contract)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout


def test_the_same_package_without_the_violation_is_kept(tmp_path: Path) -> None:
    contract = {**_contract("acyclic_siblings"), "ancestors": ["planted"]}

    result = _planted(tmp_path, {"alpha": "from planted import beta\n", "beta": ""}, contract)

    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_imports_itself_through_others() -> None:
    assert _import_cycle(*ROOT_PACKAGES) is None


def test_a_package_init_and_its_module_importing_each_other_is_a_cycle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "planted_cycle"
    package.mkdir()
    (package / "__init__.py").write_text("from planted_cycle.codec import encode\n\nVERSION = 1\n")
    (package / "codec.py").write_text(
        "from planted_cycle import VERSION\n\n\ndef encode() -> int:\n    return VERSION\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    assert _import_cycle("planted_cycle") in (
        ["planted_cycle", "planted_cycle.codec", "planted_cycle"],
        ["planted_cycle.codec", "planted_cycle", "planted_cycle.codec"],
    )
