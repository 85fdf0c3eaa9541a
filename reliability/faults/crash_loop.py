"""A crash loop: kill -9 of a program every 2-3 s, back or not (a flapping host, an OOM killer)."""

from __future__ import annotations

import asyncio
import random
import signal
import time

import aiohttp

from reliability import supervisor
from reliability.faults.base import Fault, FaultContext

KILL_EVERY_S = (2.0, 3.0)
MIN_LOOP_S = 20.0  # long enough to exhaust supervisord's startretries even when the stream is shorter
MAX_LOOP_S = 120.0
BACK_WITHIN_S = 30.0
STABLE_S = 3.0  # a worker counts as back once its pid held this long
_API_PORTS = {
    "ingestion-api": "INGESTION_PORT",
    "query-api": "QUERY_PORT",
    "processing-api": "PROCESSING_PORT",
    "validation-api": "VALIDATION_PORT",
}


class CrashLoop(Fault):
    """SIGKILLs the program's process group on a timer, also in its start-up window, then wants it back."""

    touches_stream = True

    def __init__(self, program: str) -> None:
        self.program = program
        self.name = f"crash loop {program}"
        self.what = (
            f"kill -9 of {program} every 2-3 s without waiting for its restart (supervisord gives up"
            f" on it), then it must be back within {BACK_WITHIN_S:g} s"
        )
        self.restarts = frozenset({program})

    async def inject(self, ctx: FaultContext) -> None:
        kills, first_kill = await self._kill_in_a_loop(ctx)
        last_kill = time.monotonic()
        if not kills:
            ctx.violations.append(f"{self.program} was never killed")
            return
        # The partners' own requests go to ingestion-api: its crash loop must fail or delay some of them.
        ctx.mark(f"{kills} kills of {self.program}", first_kill, clients_feel=self.program == "ingestion-api")
        if await self._back(ctx, last_kill + BACK_WITHIN_S):
            ctx.notes.append(f"{kills} kills; back {time.monotonic() - last_kill:.1f} s after the last")
            return
        ctx.violations.append(f"{self.program} not back {BACK_WITHIN_S:g} s after the last of {kills} kills")
        if await supervisor.ensure_running(self.program):
            ctx.violations.append(f"{self.program} had to be started by hand: supervision gave up on it")

    async def _kill_in_a_loop(self, ctx: FaultContext) -> tuple[int, float]:
        """Kills on a timer, never waiting for a restart; returns how many landed and when the first did."""
        started = time.monotonic()
        kills, first_kill = 0, 0.0
        while not self._loop_over(ctx, started):
            if await asyncio.to_thread(supervisor.signal_program, self.program, signal.SIGKILL):
                kills += 1
                first_kill = first_kill or time.monotonic()
            await asyncio.sleep(random.uniform(*KILL_EVERY_S))
        return kills, first_kill

    def _loop_over(self, ctx: FaultContext, started: float) -> bool:
        elapsed = time.monotonic() - started
        return elapsed >= MAX_LOOP_S or (ctx.load_done.is_set() and elapsed >= MIN_LOOP_S)

    async def _back(self, ctx: FaultContext, deadline: float) -> bool:
        """Waits until the API answers /healthz, or the worker has run with one pid for STABLE_S."""
        pid, since = 0, time.monotonic()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            while time.monotonic() < deadline:
                if self.program in _API_PORTS:
                    if await _healthy(session, f"{ctx.stack.url(_API_PORTS[self.program])}/healthz"):
                        return True
                else:
                    now_pid = await asyncio.to_thread(supervisor.pid_of, self.program)
                    if now_pid != pid:
                        pid, since = now_pid, time.monotonic()
                    elif pid and time.monotonic() - since >= STABLE_S:
                        return True
                await asyncio.sleep(0.2)
        return False


async def _healthy(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False
