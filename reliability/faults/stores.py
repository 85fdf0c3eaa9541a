"""The broker and the stores stopped or crashed mid-stream, then back."""

from __future__ import annotations

import asyncio
import signal
import time

from reliability import supervisor
from reliability.evidence import DownProbe
from reliability.faults.base import Fault, FaultContext

SERVICES = frozenset(supervisor.SERVICES)
_PORTS = {"pulsar": "PULSAR_PORT", "postgres": "PG_PORT", "redis": "REDIS_PORT", "mongodb": "MONGO_PORT"}


class StoreOutage(Fault):
    """Takes a store or the broker away once, a third into the stream, and brings it back."""

    restarts = SERVICES  # a service may exit on a lost store; supervisord restarts it, nothing is lost
    touches_stream = True

    def __init__(self, program: str, how: str) -> None:
        self.program = program
        self.how = how
        self.name = {
            "stop": f"{program} stopped",
            "immediate": f"{program} immediate restart",
            "kill": f"{program} kill -9",
            "restart": f"{program} restart",
        }[how]
        self.what = {
            "stop": f"{program} stopped for the outage time, then started",
            "immediate": f"{program} shut down in immediate mode (SIGQUIT), restarted by supervisord",
            "kill": f"{program} SIGKILLed, restarted by supervisord",
            "restart": f"{program} stopped and started at once",
        }[how]
        self.restarts = SERVICES | {program}

    async def inject(self, ctx: FaultContext) -> None:
        await ctx.after_share(0.3)
        probe = DownProbe(ctx.stack.store_host, ctx.stack.ports[_PORTS[self.program]])
        async with probe.running():
            down_at = time.monotonic()
            await self._take_down(ctx)
            if not await probe.wait_accepting():
                ctx.violations.append(f"{self.program} never accepted connections again")
            up_at = time.monotonic()
        acks = ctx.ledger.acks_between(down_at, up_at)
        ctx.notes.append(f"down {up_at - down_at:.1f} s, {acks} acknowledgements meanwhile")
        if probe.down_between(down_at, up_at) == 0:
            ctx.violations.append(f"{self.program} never refused nor cut a connection: it was not down")
        # Ingestion writes to PostgreSQL in the request: its clients must see the outage.
        ctx.mark(self.name, down_at, clients_feel=self.program == "postgres")
        if self.program == "pulsar" and acks == 0:
            ctx.violations.append("ingestion acknowledged nothing while the broker was down")

    async def _take_down(self, ctx: FaultContext) -> None:
        if self.how == "stop":
            await asyncio.to_thread(supervisor.supervisorctl, "stop", supervisor.qualified(self.program))
            await asyncio.sleep(ctx.profile.outage_s)
            await asyncio.to_thread(supervisor.supervisorctl, "start", supervisor.qualified(self.program))
        elif self.how == "restart":
            await asyncio.to_thread(supervisor.supervisorctl, "restart", supervisor.qualified(self.program))
        else:
            signum = signal.SIGQUIT if self.how == "immediate" else signal.SIGKILL
            pid = await asyncio.to_thread(supervisor.signal_program, self.program, signum, group=False)
            if not await supervisor.wait_running(self.program, other_than=pid):
                ctx.violations.append(f"{self.program} did not come back")
