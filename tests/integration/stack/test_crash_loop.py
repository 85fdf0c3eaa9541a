"""A program killed faster than it can start comes back once the kills stop (issue 21: FATAL for good)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator

import pytest
import requests

from reliability import supervisor
from tests.helpers import wait_until
from tests.stack import StackEndpoints

# supervisord gives up (FATAL) after startretries=3 failed starts, ~8 s of kills at this pace; kill for longer.
KILL_EVERY_S = 0.7
KILLING_FOR_S = 20.0
BACK_WITHIN_S = 30.0
STABLE_FOR_S = 3.0


def _api_healthy() -> bool:
    port = os.environ.get("INGESTION_PORT", "5001")
    host = os.environ.get("BIND_HOST", "127.0.0.1")
    try:
        return requests.get(f"http://{host}:{port}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _worker_stable(program: str) -> Callable[[], bool]:
    """Holds once the program has been RUNNING with the same pid for STABLE_FOR_S."""
    seen = {"pid": 0, "since": 0.0}

    def stable() -> bool:
        pid = supervisor.pids().get(program, 0)
        if pid == 0 or pid != seen["pid"]:
            seen.update(pid=pid, since=time.monotonic())
            return False
        return time.monotonic() - seen["since"] >= STABLE_FOR_S

    return stable


@pytest.fixture
def left_running(stack: StackEndpoints, request: pytest.FixtureRequest) -> Iterator[str]:
    """The program under test; started by hand afterwards should the test leave it down for others."""
    program: str = request.param
    yield program
    supervisor.supervisorctl("start", supervisor.qualified(program))


@pytest.mark.parametrize(
    ("left_running", "healthy"),
    [
        ("ingestion-api", lambda _: _api_healthy),
        ("validation-consumer", _worker_stable),
    ],
    indirect=["left_running"],
    ids=["ingestion-api", "validation-consumer"],
)
def test_program_comes_back_after_a_crash_loop(
    left_running: str, healthy: Callable[[str], Callable[[], bool]]
) -> None:
    program = left_running
    kills, end = 0, time.monotonic() + KILLING_FOR_S
    while time.monotonic() < end:
        kills += bool(supervisor.signal_program(program, signal.SIGKILL))
        time.sleep(KILL_EVERY_S)  # the fault's own pace: faster than the program's start time
    last_kill = time.monotonic()
    # More starts killed than startretries (3) allows: today's supervisord alone would leave it FATAL.
    assert kills > 3, f"only {kills} kills landed in {KILLING_FOR_S:g} s"

    wait_until(healthy(program), timeout_s=BACK_WITHIN_S, what=f"{program} healthy after {kills} kills")
    print(
        f"{program}: {kills} kills in {KILLING_FOR_S:g} s, healthy {time.monotonic() - last_kill:.1f} s after"
    )
