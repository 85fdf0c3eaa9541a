"""Samples the view of amended records during a scenario: a version that goes back is a reorder."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp

from reliability.ledger import Ledger
from reliability.settings import Stack


class VersionSampler:
    """Polls GET /query/{id} for the watched records and notes any version lower than one seen before."""

    def __init__(self, stack: Stack, ledger: Ledger, interval_s: float = 2.0) -> None:
        self._stack = stack
        self._ledger = ledger
        self._interval_s = interval_s
        self._highest: dict[str, int] = {}
        self.samples = 0
        self.reorders: list[str] = []

    async def run(self, stop: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {self._stack.admin_key}"}
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            while not stop.is_set():
                ids = self._ledger.watched[:20]
                await asyncio.gather(*(self._sample(session, record_id) for record_id in ids))
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._interval_s)

    async def _sample(self, session: aiohttp.ClientSession, record_id: str) -> None:
        url = f"{self._stack.url('QUERY_PORT')}/query/{record_id}"
        try:
            async with session.get(url) as response:
                if response.status != 200:
                    return
                record: dict[str, Any] = await response.json()
        except (TimeoutError, aiohttp.ClientError):
            return  # the view may be down in this scenario; a gap is not a reorder
        self.samples += 1
        version = int(record["version"])
        highest = self._highest.get(record_id, 0)
        if version < highest:
            self.reorders.append(f"view of {record_id} went back from v{highest} to v{version}")
        self._highest[record_id] = max(highest, version)
