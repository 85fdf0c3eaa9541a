"""Stops and starts components of the local stack through supervisord, for fault tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.stack import REPO_ROOT


def supervisorctl(*args: str) -> str:
    if os.environ.get("TEST_STACK") == "containers":
        pytest.fail("fault tests control the local stack's supervisord; run them against `make up`")
    command = f'source "{REPO_ROOT}/infra/lib.sh" && supervisorctl {" ".join(args)}'
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120, check=False)
    if result.returncode not in (0, 3):  # 3: a status other than RUNNING, which callers check themselves
        raise RuntimeError(f"supervisorctl {' '.join(args)} failed: {result.stdout}{result.stderr}")
    return result.stdout


@contextmanager
def stopped(program: str) -> Iterator[None]:
    """Stops a supervised program for the block and starts it again afterwards, even on failure."""
    supervisorctl("stop", program)
    try:
        yield
    finally:
        supervisorctl("start", program)
