"""Abusive requests while records stream: each must be refused with a 4xx or 503, the services unharmed."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from urllib.parse import quote

import aiohttp

from reliability.faults.base import Fault, FaultContext

_BIG = 100 * 1024 * 1024
_CHUNK = b" " * (1024 * 1024)


def _acceptable(status: int) -> bool:
    return 400 <= status < 500 or status == 503


async def _status_line(reader: asyncio.StreamReader, timeout_s: float) -> int | None:
    with suppress(asyncio.TimeoutError, ConnectionError, ValueError, IndexError):
        line = await asyncio.wait_for(reader.readline(), timeout_s)
        return int(line.split()[1])
    return None


async def huge_body(host: str, port: int, path: str, key: str) -> int | None:
    """Sends a 100 MB body, reading the answer while sending; returns its status (None: no answer)."""
    reader, writer = await asyncio.open_connection(host, port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {_BIG}\r\n\r\n"
    )
    answer = asyncio.create_task(_status_line(reader, 60))
    try:
        writer.write(head.encode() + b'{"partner_id": "x", "payload": {"pad": "')
        for _ in range(_BIG // len(_CHUNK) - 1):
            if answer.done():
                break
            writer.write(_CHUNK)
            await writer.drain()
    except ConnectionError:
        pass
    status = await answer
    writer.close()
    with suppress(ConnectionError):
        await writer.wait_closed()
    return status


class Abuse(Fault):
    """A 100 MB body, 10,000-deep nesting, $in of 100,000, a catastrophic regex, many slow clients."""

    name = "resource abuse"
    what = "100 MB body, 10,000-deep nesting, $in of 100,000, catastrophic regex, slow clients"

    async def inject(self, ctx: FaultContext) -> None:
        await ctx.after_share(0.2)
        ingestion, query = ctx.stack.url("INGESTION_PORT"), ctx.stack.url("QUERY_PORT")
        key = ctx.stack.admin_key
        for port_name, path in (("INGESTION_PORT", "/ingest"), ("QUERY_PORT", "/query/search")):
            status = await huge_body(ctx.stack.host, ctx.stack.ports[port_name], path, key)
            self._judge(ctx, f"100 MB body to {path}", status)
        deep = "[" * 10_000 + "]" * 10_000
        many = list(range(100_000))
        calls: list[tuple[str, str, str, str | None]] = [
            (
                "10,000-deep payload",
                "POST",
                f"{ingestion}/ingest",
                f'{{"partner_id": "x", "payload": {{"a": {deep}}}}}',
            ),
            ("10,000-deep filter", "POST", f"{query}/query/search", f'{{"filter": {{"payload.a": {deep}}}}}'),
            (
                "$in of 100,000",
                "POST",
                f"{query}/query/search",
                json.dumps({"filter": {"id": {"$in": many}}}),
            ),
            (
                "catastrophic regex",
                "GET",
                f"{query}/query/all?filter=" + quote(json.dumps({"payload.name": {"$regex": "^(a+)+$"}})),
                None,
            ),
            (
                "alternation regex",
                "GET",
                f"{query}/query/all?filter=" + quote(json.dumps({"payload.name": {"$regex": "(a|aa)*b"}})),
                None,
            ),
        ]
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60), headers=headers) as session:
            for label, method, url, body in calls:
                try:
                    async with session.request(method, url, data=body) as response:
                        await response.read()
                        self._judge(ctx, label, response.status)
                except (TimeoutError, aiohttp.ClientError) as error:
                    ctx.violations.append(f"{label}: no answer ({type(error).__name__})")
        for port_name in ("INGESTION_PORT", "QUERY_PORT"):
            await self._slow_clients(ctx, port_name)

    def _judge(self, ctx: FaultContext, label: str, status: int | None) -> None:
        ctx.notes.append(f"{label}: {status}")
        if status is None or not _acceptable(status):
            ctx.violations.append(f"{label}: answered {status}, expected a 4xx or 503")

    async def _slow_clients(self, ctx: FaultContext, port_name: str) -> None:
        """Holds many connections that trickle a request header, while a probe must still be served."""
        host, port = ctx.stack.host, ctx.stack.ports[port_name]
        stop = asyncio.Event()
        slow = [asyncio.create_task(_trickle(host, port, stop)) for _ in range(ctx.profile.slow_clients)]
        served, failed, slowest = 0, 0, 0.0
        window_end = time.monotonic() + ctx.profile.slow_seconds
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while time.monotonic() < window_end:
                took = await _timed(lambda: _get_ok(session, f"{ctx.stack.url(port_name)}/healthz"))
                if took is None:
                    failed += 1
                else:
                    served, slowest = served + 1, max(slowest, took)
                await asyncio.sleep(0.5)
        stop.set()
        opened = sum(await asyncio.gather(*slow))
        ctx.notes.append(
            f"{port_name}: {opened} slow clients; {served} probes ok (slowest {slowest:.1f} s), {failed} not"
        )
        if served == 0 or failed > 0:
            ctx.violations.append(
                f"{port_name}: {failed} of {served + failed} probes failed under slow clients"
            )


async def _trickle(host: str, port: int, stop: asyncio.Event) -> int:
    """One slow client: a header byte every second until stopped; returns 1 if it got connected."""
    try:
        _reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return 0
    try:
        writer.write(b"POST /ingest HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        while not stop.is_set():
            writer.write(b"a")
            await writer.drain()
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
    except ConnectionError:
        pass
    finally:
        writer.close()
        with suppress(ConnectionError):
            await writer.wait_closed()
    return 1


async def _get_ok(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url) as response:
            return response.status == 200
    except (TimeoutError, aiohttp.ClientError):
        return False


async def _timed(call: Callable[[], Awaitable[bool]]) -> float | None:
    started = time.monotonic()
    return time.monotonic() - started if await call() else None
