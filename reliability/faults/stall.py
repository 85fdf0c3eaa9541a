"""A consumer SIGSTOPped past the broker's keep-alive while a second copy shares its subscription."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from reliability import supervisor
from reliability.faults.base import Fault, FaultContext

_TOPIC = "persistent/public/default/data-ingested"


class PausedConsumer(Fault):
    """Freezes the supervised consumer mid-stream; the broker drops its connection and redelivers its
    unacknowledged messages to the copy; then the frozen one resumes and finishes its late writes."""

    touches_stream = True

    def __init__(self, program: str, subscription: str) -> None:
        self.program = program
        self.subscription = subscription
        self.name = f"SIGSTOP {program}"
        self.what = f"{program} frozen past the broker's keep-alive, a copy takes over, then it resumes"
        self.restarts = frozenset()
        self._copy: supervisor.Copy | None = None

    @asynccontextmanager
    async def installed(self, ctx: FaultContext) -> AsyncIterator[None]:
        self._copy = await asyncio.to_thread(supervisor.copy_of, self.program, ctx.stack.run_dir)
        self._copy.start()
        try:
            if not await self._consumers_at_least(ctx, 2, 60):
                ctx.violations.append(f"the copy of {self.program} never joined {self.subscription}")
            yield
        finally:
            await asyncio.to_thread(self._copy.stop)

    async def inject(self, ctx: FaultContext) -> None:
        await ctx.after_share(0.2)
        pid = await asyncio.to_thread(supervisor.signal_program, self.program, signal.SIGSTOP, group=False)
        paused_at = time.monotonic()
        try:
            await asyncio.sleep(ctx.profile.pause_s)
            still_listed = await self._consumers_at_least(ctx, 2, 0)
            ctx.notes.append(
                f"paused {ctx.profile.pause_s:.0f} s; broker "
                + ("still listed the frozen consumer" if still_listed else "had dropped the frozen consumer")
            )
        finally:
            await asyncio.to_thread(supervisor.signal_program, self.program, signal.SIGCONT, group=False)
        if pid == 0:
            ctx.violations.append(f"{self.program} was not running, so nothing was paused")
        else:
            ctx.mark(f"{self.program} frozen", paused_at)

    async def _consumers_at_least(self, ctx: FaultContext, count: int, timeout_s: float) -> bool:
        """Waits until the subscription lists `count` consumers; False when the time runs out first."""
        url = f"{ctx.stack.pulsar_admin_url}/admin/v2/{_TOPIC}/stats"
        headers = ctx.stack.pulsar_admin.headers
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10), headers=headers) as session:
            while True:
                try:
                    async with session.get(url) as response:
                        stats = await response.json()
                    consumers = stats["subscriptions"][self.subscription]["consumers"]
                    if len(consumers) >= count:
                        return True
                except (TimeoutError, aiohttp.ClientError, KeyError):
                    pass
                if loop.time() >= deadline:
                    return False
                await asyncio.sleep(1)
