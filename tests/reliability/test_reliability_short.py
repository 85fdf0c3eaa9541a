"""The reliability suite's short profile: every scenario of issue 9 with fewer records (make reliability: full)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reliability.runner import run_all
from reliability.settings import SHORT, stack_from_env
from tests.stack import local_stack

pytestmark = pytest.mark.e2e


def test_no_scenario_loses_duplicates_or_reorders_an_acknowledged_record(tmp_path: Path) -> None:
    local_stack()  # fails with "run `make up` first" when the stack is not there
    outcomes = asyncio.run(run_all(stack_from_env(), SHORT, None, tmp_path / "reliability.json"))
    failed = {o.scenario: o.problems[:5] or ["did not converge"] for o in outcomes if not o.passed}
    assert failed == {}
