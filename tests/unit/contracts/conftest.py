"""Golden integration events shared by the contracts tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import pytest

from contracts import JsonObject

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "events"


class Golden(Protocol):
    """Loads a fresh, mutable copy of a golden envelope by file stem, at the newest version unless given."""

    def __call__(self, name: str, version: int | None = None) -> JsonObject: ...


def golden_path(name: str, version: int | None = None) -> Path:
    """The golden envelope of that file stem at a schema version, or at the newest version that has one."""
    if version is not None:
        return GOLDEN_DIR / f"v{version}" / f"{name}.json"
    found = sorted(GOLDEN_DIR.glob(f"v*/{name}.json"), key=lambda path: int(path.parent.name[1:]))
    if not found:
        raise FileNotFoundError(f"no golden event {name}.json under {GOLDEN_DIR}")
    return found[-1]


@pytest.fixture
def golden() -> Golden:
    """Returns a loader of fresh, mutable copies of golden envelopes, by file stem (and version: newest)."""

    def load(name: str, version: int | None = None) -> JsonObject:
        loaded: JsonObject = json.loads(golden_path(name, version).read_text(encoding="utf-8"))
        return loaded

    return load
