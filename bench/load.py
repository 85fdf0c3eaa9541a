"""A closed-loop HTTP load generator: N keep-alive clients, each sending on the previous answer."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    error_statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(q) - 1]


@dataclass
class _Run:
    url: str
    body: Callable[[], Any]
    deadline: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)


async def _client(session: aiohttp.ClientSession, run: _Run) -> None:
    while time.monotonic() < run.deadline:
        started = time.perf_counter()
        async with session.post(run.url, json=run.body()) as response:
            await response.read()
            if response.status >= 400:
                run.errors.append(response.status)
        run.latencies_ms.append((time.perf_counter() - started) * 1000)


async def _closed_loop(
    url: str, body: Callable[[], Any], concurrency: int, seconds: float, headers: dict[str, str]
) -> LoadResult:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        started = time.monotonic()
        run = _Run(url, body, started + seconds)
        await asyncio.gather(*(_client(session, run) for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    statuses = dict(Counter(run.errors))
    return LoadResult(len(run.latencies_ms), len(run.errors), elapsed, run.latencies_ms, statuses)


def closed_loop(
    url: str, body: Callable[[], Any], concurrency: int, seconds: float, headers: dict[str, str] | None = None
) -> LoadResult:
    """Runs `concurrency` clients POSTing `body()` to `url` for `seconds` (bounded in time)."""
    return asyncio.run(_closed_loop(url, body, concurrency, seconds, headers or {}))
