"""The web server's main loop: ticks once a second, yet exits as soon as a signal asks it to."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from uvicorn.config import Config

from eventkit.http.server import _QuietServer


async def _app(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("no request is served here")


def test_every_tick_refreshes_the_date_and_a_signal_ends_the_loop_without_waiting_for_the_next() -> None:
    async def scenario() -> list[int]:
        config = Config(app=_app)
        config.load()
        server = _QuietServer(config)
        server.limit_max_requests = None
        ticks: list[int] = []
        tick = server.on_tick

        async def counted(counter: int) -> bool:
            ticks.append(counter)
            return await tick(counter)

        server.on_tick = counted  # type: ignore[method-assign]
        loop = asyncio.create_task(server.main_loop())
        while not ticks:  # the loop's first tick, then it waits for the next, a second away
            await asyncio.sleep(0)
        server.handle_exit(signal.SIGTERM, None)
        # the next tick is a second away: only the signal's wake-up ends the loop this soon
        await asyncio.wait_for(loop, timeout=0.5)
        return ticks

    ticks = asyncio.run(scenario())
    # uvicorn refreshes the Date header and tells gunicorn it lives at counters divisible by 10
    assert ticks == [0, 10]
