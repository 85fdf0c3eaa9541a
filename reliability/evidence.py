"""Proof that a fault hit the stream: its windows saw records pass, and a store said down really was.

A fault that touched no traffic proves nothing, so it must not count as survived: every fault that claims
to act on the stream marks the windows in which it acted, and each window must have seen records sent or
acknowledged (and, where the fault says so, requests failing or waiting, or the store refusing connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from reliability.ledger import Ledger

_SLOW_S = 1.0  # a request this slow waited on the fault


@dataclass(frozen=True)
class Window:
    """When a fault acted, and what it must show for it: records passing, and optionally requests hurt."""

    label: str
    start: float  # monotonic
    end: float
    clients_feel: bool = False  # the clients' own requests cross the fault: some must fail or wait


def unproven(ledger: Ledger, windows: list[Window]) -> list[str]:
    """The violations of windows that touched no traffic."""
    found = []
    for w in windows:
        span = f"{w.label} ({w.end - w.start:.1f} s)"
        crossing = ledger.sends_between(w.start, w.end) + ledger.acks_between(w.start, w.end)
        if crossing + ledger.requests_during(w.start, w.end) == 0:
            found.append(
                f"{span} touched no traffic: no record was sent, in flight or acknowledged meanwhile"
            )
        elif w.clients_feel and ledger.troubled_between(w.start, w.end, _SLOW_S) == 0:
            found.append(f"{span}: no request failed or waited, so the fault did not reach the clients")
    return found


@dataclass
class DownProbe:
    """Watches a store go down: dials it every `interval_s`, keeping the moments it refused, and holds one
    connection open, keeping the moments the store cut it. A store killed and restarted by its supervisor
    within milliseconds may never refuse a dial, but it always cuts the connections it held."""

    host: str
    port: int
    interval_s: float = 0.05
    hold_s: float = 5.0  # a held connection is renewed this often, before any server's idle timeout
    refused: list[float] = field(default_factory=list)
    cut: list[float] = field(default_factory=list)
    last_accepted: float = 0.0

    def down_between(self, start: float, end: float) -> int:
        """How often the store refused a dial or cut a held connection within the window."""
        return sum(1 for moment in (*self.refused, *self.cut) if start <= moment <= end)

    async def wait_accepting(self, timeout_s: float = 120.0) -> bool:
        """Waits until the store accepts connections again after its last refusal; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while self.refused and self.last_accepted < self.refused[-1]:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(self.interval_s)
        return True

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[DownProbe]:
        tasks = [asyncio.create_task(self._dial()), asyncio.create_task(self._hold())]
        try:
            yield self
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _dial(self) -> None:
        while True:
            moment = time.monotonic()
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), 0.5)
            except (OSError, TimeoutError):
                self.refused.append(moment)
            else:
                self.last_accepted = moment
                await _close(writer)
            await asyncio.sleep(self.interval_s)

    async def _hold(self) -> None:
        while True:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), 0.5)
            except (OSError, TimeoutError):
                await asyncio.sleep(self.interval_s)  # refused: the dialling counts that
                continue
            try:
                # The store never speaks first on these protocols: any end of the stream is a cut.
                await asyncio.wait_for(reader.read(1), self.hold_s)
                self.cut.append(time.monotonic())
            except TimeoutError:
                pass  # still held: renew it
            except OSError:
                self.cut.append(time.monotonic())
            finally:
                await _close(writer)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
