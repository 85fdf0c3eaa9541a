"""What every fault offers the scenario runner: set up, inject during the stream, verify afterwards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from reliability.evidence import Window
from reliability.ledger import Ledger
from reliability.settings import Profile, Stack


@dataclass
class FaultContext:
    """What a fault sees: the stack, the profile, the records so far, and when the stream ends."""

    stack: Stack
    profile: Profile
    ledger: Ledger
    load_done: asyncio.Event
    violations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)  # when the fault acted (see reliability.evidence)

    def mark(self, label: str, start: float, *, clients_feel: bool = False) -> None:
        """Records that the fault acted from `start` until now."""
        self.windows.append(Window(label, start, time.monotonic(), clients_feel))

    @property
    def stream_s(self) -> float:
        """How long the stream lasts at the profile's rate: faults fit their phases within it."""
        return self.profile.records / self.profile.rate

    async def sleep_or_done(self, seconds: float) -> bool:
        """Sleeps, returning True early once the stream has ended."""
        try:
            await asyncio.wait_for(self.load_done.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def after_share(self, share: float) -> None:
        """Waits until the given share of the records has been sent (or the stream ended)."""
        target = share * self.profile.records
        deadline = time.monotonic() + self.profile.records / self.profile.rate * 2
        while self.ledger.sent < target and not self.load_done.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)


class Fault:
    """A fault with nothing to set up or verify; subclasses override what they need."""

    name = "baseline"
    what = "no fault: the checker's yardstick"
    # Supervised programs this fault may restart; any other program restarting fails the scenario.
    restarts: frozenset[str] = frozenset()
    # A fault that acts on the stream must mark when it did (FaultContext.mark), and records must have
    # passed meanwhile; one that never marks a window was never injected.
    touches_stream = False

    @asynccontextmanager
    async def installed(self, ctx: FaultContext) -> AsyncIterator[None]:
        """Prepares the fault before the stream and undoes it after (proxies, process copies)."""
        yield

    async def inject(self, ctx: FaultContext) -> None:
        """Runs while records stream; returns once the fault is healed."""

    async def verify(self, ctx: FaultContext) -> None:
        """Checks what only this fault can check, after the system converged; appends violations."""
