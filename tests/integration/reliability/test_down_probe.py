"""The store probe proves an outage only when there was one: a cut or a refusal, never a quiet server."""

from __future__ import annotations

import asyncio
import time

from reliability.evidence import DownProbe


class _Store:
    """A loopback server that holds every connection until it is killed."""

    def __init__(self) -> None:
        self.held: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self, port: int = 0) -> int:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.held.append(writer)
            await reader.read()

        self.server = await asyncio.start_server(serve, "127.0.0.1", port)
        return int(self.server.sockets[0].getsockname()[1])

    def kill(self) -> None:
        """Like kill -9: the listening socket and every held connection end at once."""
        assert self.server is not None
        self.server.close()
        for writer in self.held:
            writer.transport.abort()
        self.held.clear()


def test_a_quiet_server_is_never_seen_down() -> None:
    async def run() -> int:
        store = _Store()
        probe = DownProbe("127.0.0.1", await store.start())
        started = time.monotonic()
        async with probe.running():
            await asyncio.sleep(0.5)
        store.kill()
        return probe.down_between(started, time.monotonic())

    assert asyncio.run(run()) == 0


def test_a_server_that_restarts_at_once_is_seen_cutting_its_connections() -> None:
    async def run() -> tuple[int, int]:
        store = _Store()
        port = await store.start()
        probe = DownProbe("127.0.0.1", port)
        started = time.monotonic()
        async with probe.running():
            while not store.held:
                await asyncio.sleep(0.01)
            store.kill()
            await store.start(port)  # back within the same tick: no dial can be refused
            await asyncio.sleep(0.3)
        store.kill()
        return probe.down_between(started, time.monotonic()), len(probe.cut)

    downs, cuts = asyncio.run(run())
    assert downs >= 1 and cuts >= 1


def test_a_closed_port_is_seen_refusing() -> None:
    async def run() -> int:
        store = _Store()
        port = await store.start()
        store.kill()
        probe = DownProbe("127.0.0.1", port)
        started = time.monotonic()
        async with probe.running():
            await asyncio.sleep(0.3)
        return probe.down_between(started, time.monotonic())

    assert asyncio.run(run()) >= 1
