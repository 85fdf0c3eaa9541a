"""Network faults between services and a store, through toxiproxy: latency with jitter, a stall, resets.

The supervised programs that talk to the store are stopped for the scenario and copies of them run in
their place, started with the same environment except the store's URL, which points at the proxy. When
the scenario ends the copies stop and supervisord starts the originals again.

Pulsar clients connect to the service URL only for lookups; the lookup answers with the address the
broker advertises, so the copies ask for the broker's `faults` listener (PULSAR_LISTENER_NAME), which
advertises the port the proxy listens on (PULSAR_FAULTS_PORT, infra/pulsar/run.sh): every connection
then goes through the proxy.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import psutil

from reliability import supervisor
from reliability.faults.base import Fault, FaultContext
from reliability.toxiproxy import Toxiproxy

_API_PORTS = {
    "ingestion-api": "INGESTION_PORT",
    "query-api": "QUERY_PORT",
    "validation-api": "VALIDATION_PORT",
    "processing-api": "PROCESSING_PORT",
}


def _through(url: str, port: int) -> str:
    """The same URL with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{credentials}127.0.0.1:{port}"))


class FlakyNetwork(Fault):
    """Latency with jitter, then a full stall, then connection resets between programs and one store."""

    touches_stream = True

    def __init__(
        self,
        store: str,
        store_port: str,
        variable: str,
        programs: tuple[str, ...],
        *,
        listen_port: str = "",
        overrides: dict[str, str] | None = None,
    ) -> None:
        self.store = store
        self._store_port = store_port
        self._variable = variable
        self._listen_port = listen_port  # a stack port the proxy must listen on ("" = any free port)
        self._overrides = overrides or {}
        self.programs = programs
        self.name = f"network {store}"
        self.what = f"latency+jitter, {store} stall, resets between {', '.join(programs)} and {store}"
        self.restarts = frozenset(programs)
        self._proxy: Toxiproxy | None = None
        self._proxy_port = 0
        self._copies: list[supervisor.Copy] = []

    @asynccontextmanager
    async def installed(self, ctx: FaultContext) -> AsyncIterator[None]:
        self._proxy = await asyncio.to_thread(Toxiproxy, ctx.stack.run_dir / "logs" / "toxiproxy.log")
        try:
            upstream = f"{ctx.stack.store_host}:{ctx.stack.ports[self._store_port]}"
            listen = ctx.stack.ports[self._listen_port] if self._listen_port else 0
            port = await asyncio.to_thread(self._proxy.proxy, self.store, upstream, listen)
            self._proxy_port = port
            await asyncio.to_thread(self._swap_in, ctx, port)
            await self._wait_ready(ctx)
            yield
        finally:
            await asyncio.to_thread(self._swap_out)
            for program in self.programs:
                await supervisor.wait_running(program)
            await asyncio.to_thread(self._proxy.stop)

    def _swap_in(self, ctx: FaultContext, port: int) -> None:
        for program in self.programs:
            pid = supervisor.pid_of(program)
            env = supervisor.environment_of(pid)
            copy = supervisor.copy_of(
                program,
                ctx.stack.run_dir,
                {self._variable: _through(env[self._variable], port), **self._overrides},
            )
            supervisor.supervisorctl("stop", supervisor.qualified(program))
            copy.start()
            self._copies.append(copy)

    def _connections_to(self, port: int) -> list[tuple[str, str]]:
        """(program, "local -> remote") of every copy's TCP connection to `port`, its children's included."""
        found = []
        for copy in self._copies:
            with suppress(psutil.NoSuchProcess):
                root = psutil.Process(copy.pid)
                for process in [root, *root.children(recursive=True)]:
                    with suppress(psutil.NoSuchProcess):
                        for conn in process.net_connections(kind="tcp"):
                            if conn.raddr and conn.raddr.port == port:
                                found.append((copy.program, f"{conn.laddr.port} -> {conn.raddr.port}"))
        return found

    async def _check_routes(self, ctx: FaultContext, timeout_s: float = 30.0) -> None:
        """Waits until every copy talks to the proxy (some connect only when work arrives), then fails the
        scenario if none does, or if any copy talks to the store's own port: the fault would not reach it."""
        connected: set[str] = set()
        for _ in range(int(timeout_s / 0.5)):
            found = await asyncio.to_thread(self._connections_to, self._proxy_port)
            connected = {program for program, _ in found}
            if connected >= {copy.program for copy in self._copies}:
                break
            await asyncio.sleep(0.5)
        if not connected:
            ctx.violations.append(
                f"no copy connected to {self.store} through the proxy: the fault reaches nobody"
            )
        elif idle := sorted({copy.program for copy in self._copies} - connected):
            ctx.notes.append(f"not connected through the proxy within {timeout_s:.0f} s: {', '.join(idle)}")
        store_port = ctx.stack.ports[self._store_port]
        for program, bypass in await asyncio.to_thread(self._connections_to, store_port):
            ctx.violations.append(f"the copy of {program} talks to {self.store} around the proxy ({bypass})")

    def _swap_out(self) -> None:
        copies, self._copies = self._copies, []
        try:
            for copy in copies:
                copy.stop()
                supervisor.supervisorctl("start", supervisor.qualified(copy.program))
        finally:  # a program that would not start again leaves no copy of another one running
            for copy in copies:
                copy.stop()

    async def _wait_ready(self, ctx: FaultContext) -> None:
        """Waits for the copied APIs to answer /readyz; consumers and relays need no wait."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
            for program in self.programs:
                if program not in _API_PORTS:
                    continue
                url = f"{ctx.stack.url(_API_PORTS[program])}/readyz"
                for _ in range(120):
                    with suppress(aiohttp.ClientError, asyncio.TimeoutError):
                        async with session.get(url) as response:
                            if response.status == 200:
                                break
                    await asyncio.sleep(0.5)
                else:
                    ctx.violations.append(f"the proxied copy of {program} never became ready")

    async def inject(self, ctx: FaultContext) -> None:
        await self._check_routes(ctx)
        # Each phase fits within the stream, so records cross every toxic (a toxic on an idle link
        # proves nothing; reliability.evidence fails a phase that saw no record).
        stream = ctx.stream_s
        phases = (
            ("latency 40±40 ms", "latency", {"latency": 40, "jitter": 40}, stream / 4),
            # A stall: bytes are dropped and connections stay open, like a cable pulled out.
            ("stall", "timeout", {"timeout": 0}, min(ctx.profile.stall_s, stream / 4)),
            # Resets: every connection that sends data is reset at once (TCP RST).
            ("resets", "reset_peer", {"timeout": 0}, min(3.0, stream / 8)),
        )
        # The clients' requests cross the proxy only where ingestion-api is behind it (PostgreSQL).
        feel = "ingestion-api" in self.programs
        for label, kind, attributes, seconds in phases:
            await self._toxic(ctx, label, kind, attributes, seconds, clients_feel=feel and kind == "timeout")
            await asyncio.sleep(0.5)
        ctx.notes.append(", ".join(f"{label} {seconds:.1f} s" for label, _, _, seconds in phases))
        for copy in self._copies:
            if not copy.alive():
                ctx.notes.append(f"the proxied copy of {copy.program} exited")

    async def _toxic(
        self,
        ctx: FaultContext,
        label: str,
        kind: str,
        attributes: dict[str, int],
        seconds: float,
        *,
        clients_feel: bool,
    ) -> None:
        assert self._proxy is not None
        await asyncio.to_thread(self._proxy.add_toxic, self.store, kind, kind, attributes)
        started = time.monotonic()
        try:
            await asyncio.sleep(seconds)
        finally:
            await asyncio.to_thread(self._proxy.remove_toxic, self.store, kind)
        ctx.mark(f"{label} on {self.store}", started, clients_feel=clients_feel)
