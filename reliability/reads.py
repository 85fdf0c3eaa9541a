"""Clients that read every amended record over and over, and the monotonic-read check of their history.

Each reader is one client reading one request at a time, so the order it issued its reads is the order
it saw them. Across the whole history, a client that saw version n of a record must never see a lower
one later (Jepsen's monotonic reads); a 404 after a record was shown counts as version 0, a step back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp

from reliability.ledger import Ledger
from reliability.settings import Stack

NOT_FOUND = 0  # the version a 404 stands for


@dataclass(frozen=True)
class Read:
    """One answered read: which client, which record, when it was issued, and the version it showed."""

    client: int
    record_id: str
    started: float  # monotonic
    version: int


def monotonic_violations(history: Iterable[Read]) -> list[str]:
    """Every read that showed a client an older version of a record than one it had already seen."""
    highest: dict[tuple[int, str], Read] = {}
    found: list[str] = []
    for read in sorted(history, key=lambda r: (r.client, r.started)):
        key = (read.client, read.record_id)
        seen = highest.get(key)
        if seen is not None and read.version < seen.version:
            found.append(
                f"client {read.client} read {read.record_id} at v{read.version} after v{seen.version}"
                f" ({read.started - seen.started:.2f} s later)"
            )
        if seen is None or read.version > seen.version:
            highest[key] = read
    return found


class Readers:
    """`clients` readers, each walking every amended record in turn until told to stop."""

    def __init__(self, stack: Stack, ledger: Ledger, clients: int = 3, pause_s: float = 0.2) -> None:
        self._stack = stack
        self._ledger = ledger
        self._clients = clients
        self._pause_s = pause_s
        self.history: list[Read] = []
        self.failures = 0  # reads with no answer, or 5xx: not reads, the view may be down on purpose

    async def run(self, stop: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {self._stack.admin_key}"}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5), headers=headers) as session:
            await asyncio.gather(*(self._client(session, n, stop) for n in range(self._clients)))

    async def _client(self, session: aiohttp.ClientSession, client: int, stop: asyncio.Event) -> None:
        while not stop.is_set():
            for record_id in list(self._ledger.amended):
                await self._read(session, client, record_id)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self._pause_s)

    async def _read(self, session: aiohttp.ClientSession, client: int, record_id: str) -> None:
        url = f"{self._stack.url('QUERY_PORT')}/query/{record_id}"
        started = time.monotonic()
        try:
            async with session.get(url) as response:
                if response.status == 404:
                    self.history.append(Read(client, record_id, started, NOT_FOUND))
                    return
                if response.status != 200:
                    self.failures += 1
                    return
                record: dict[str, Any] = await response.json()
        except (TimeoutError, aiohttp.ClientError):
            self.failures += 1
            return
        self.history.append(Read(client, record_id, started, int(record["version"])))
