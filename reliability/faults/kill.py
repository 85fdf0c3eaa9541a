"""kill -9 of one supervised service process every few seconds; supervisord restarts it each time."""

from __future__ import annotations

import asyncio
import signal
import time

from reliability import supervisor
from reliability.faults.base import Fault, FaultContext


class KillRepeatedly(Fault):
    """SIGKILLs the program's whole process group (a gunicorn master with its workers) again and again."""

    touches_stream = True

    def __init__(self, program: str) -> None:
        self.program = program
        self.name = f"kill-9 {program}"
        self.what = f"kill -9 of {program} every few seconds while records stream"
        self.restarts = frozenset({program})

    async def inject(self, ctx: FaultContext) -> None:
        kills = 0
        first_kill = 0.0
        while not await ctx.sleep_or_done(ctx.profile.kill_interval_s):
            pid = await asyncio.to_thread(supervisor.signal_program, self.program, signal.SIGKILL)
            if pid:
                kills += 1
                first_kill = first_kill or time.monotonic()
                # The next kill waits for the restart: killing a process in its start-up window makes
                # supervisord give up on it (FATAL), which tests supervisord, not our services.
                if not await supervisor.wait_running(self.program, other_than=pid):
                    ctx.violations.append(f"{self.program} did not come back after kill -9")
                    break
        if kills == 0:
            ctx.violations.append(f"{self.program} was never killed: the stream ended first")
        else:
            # The partners' own requests go to ingestion-api: killing it must fail some of them.
            feel = self.program == "ingestion-api"
            ctx.mark(f"{kills} kills of {self.program}", first_kill, clients_feel=feel)
        if await supervisor.ensure_running(self.program):
            ctx.violations.append(f"{self.program} had to be started by hand: supervision gave up on it")
        ctx.notes.append(f"{kills} kills")
