"""Golden integration events shared by the contracts tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from contracts import JsonObject

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "events"


@pytest.fixture
def golden() -> Callable[[str], JsonObject]:
    """Returns a loader of fresh, mutable copies of the golden version 1 envelopes, by file stem."""

    def load(name: str) -> JsonObject:
        loaded: JsonObject = json.loads((GOLDEN_DIR / "v1" / f"{name}.json").read_text(encoding="utf-8"))
        return loaded

    return load
