"""A supervisord event listener that starts again every program supervisord gave up on (FATAL).

supervisord marks a program FATAL after `startretries` failed starts in a row and never tries it again;
its own BACKOFF delay grows by a second per retry, unbounded. This listener keeps trying forever instead,
after a capped exponential delay (1, 2, 4, 8, 10, 10 … s) that starts over once the program has stayed
RUNNING for a while. Run by infra/supervisord.conf ([eventlistener:fatal-restarter]); stdout is the event
protocol, so it logs to stderr.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from supervisor import childutils

log = logging.getLogger("fatal-restarter")


@dataclass
class Backoff:
    """Per-program restart delays: doubling from `first_s` up to `cap_s`, reset after `stable_s` up."""

    first_s: float = 1.0
    cap_s: float = 10.0
    stable_s: float = 10.0
    _failures: dict[str, int] = field(default_factory=dict)
    _running_since: dict[str, float] = field(default_factory=dict)

    def running(self, program: str, now: float) -> None:
        self._running_since[program] = now

    def left_running(self, program: str, now: float) -> None:
        since = self._running_since.pop(program, None)
        if since is not None and now - since >= self.stable_s:
            self._failures.pop(program, None)

    def fatal(self, program: str) -> float:
        """Returns how long to wait before starting the program again, and counts the failure."""
        failures = self._failures.get(program, 0)
        self._failures[program] = failures + 1
        return min(self.cap_s, self.first_s * 2.0**failures)


def start_if_fatal(program: str) -> None:
    """Starts the program unless it left FATAL meanwhile (someone started or stopped it)."""
    rpc: Any = childutils.getRPCInterface(os.environ).supervisor
    try:
        state = rpc.getProcessInfo(program)["statename"]
        if state != "FATAL":
            log.info("%s is %s now; not restarting it", program, state)
            return
        log.info("starting %s again", program)
        rpc.startProcess(program, False)  # no wait: a failed start ends in FATAL, an event of its own
    except Exception as exc:  # a restart that fails must not end the listener
        log.warning("could not start %s: %s", program, exc)


class Restarter:
    """Turns process state events into delayed restarts of FATAL programs."""

    def __init__(self, backoff: Backoff) -> None:
        self._backoff = backoff
        self._lock = threading.Lock()  # timers run on their own threads

    def schedule(self, program: str) -> None:
        with self._lock:
            delay = self._backoff.fatal(program)
        log.warning("%s is FATAL (supervisord gave up on it); starting it again in %.0f s", program, delay)
        timer = threading.Timer(delay, start_if_fatal, args=(program,))
        timer.daemon = True
        timer.start()

    def handle(self, event: str, headers: dict[str, str]) -> None:
        program = f"{headers['groupname']}:{headers['processname']}"
        with self._lock:
            if event == "PROCESS_STATE_RUNNING":
                self._backoff.running(program, time.monotonic())
            elif headers.get("from_state") == "RUNNING":
                self._backoff.left_running(program, time.monotonic())
        if event == "PROCESS_STATE_FATAL":
            self.schedule(program)

    def adopt_fatal(self) -> None:
        """Schedules the programs already FATAL when the listener (re)starts."""
        rpc: Any = childutils.getRPCInterface(os.environ).supervisor
        for info in rpc.getAllProcessInfo():
            if info["statename"] == "FATAL":
                self.schedule(f"{info['group']}:{info['name']}")


def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    restarter = Restarter(Backoff())
    restarter.adopt_fatal()
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        event = str(headers["eventname"])
        if event.startswith("PROCESS_STATE_"):
            restarter.handle(event, childutils.get_headers(payload.split("\n", 1)[0]))
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main()
