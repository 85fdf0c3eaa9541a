"""What the clients sent and what the system acknowledged: the checker's ground truth."""

from __future__ import annotations

import bisect
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Acked:
    """One acknowledged record: its id, partner, and the highest version an answer confirmed."""

    seq: int
    record_id: str
    partner_id: str
    version: int
    odd: bool


@dataclass(frozen=True)
class Attempt:
    """One HTTP request a client made: when it started and ended, and whether it was answered 2xx."""

    started: float  # monotonic
    ended: float
    ok: bool


@dataclass
class Ledger:
    """Every record a scenario sent, the acknowledged ones, and the failures the clients saw."""

    tag: str
    partners: list[str]
    started_wall: float = field(default_factory=time.time)  # wall clock: stores' own timestamps use it
    sent: int = 0
    acked: dict[int, Acked] = field(default_factory=dict)
    unacked: list[int] = field(default_factory=list)  # POSTs given up after the deadline
    unacked_amendments: list[tuple[int, int]] = field(default_factory=list)  # (seq, revision) of such PUTs
    refused: Counter[str] = field(default_factory=Counter)  # 4xx that retrying cannot fix: a bug
    retries: Counter[str] = field(default_factory=Counter)  # why requests were retried
    ack_times: list[float] = field(default_factory=list)  # monotonic time of each acknowledgement
    send_times: list[float] = field(default_factory=list)  # monotonic time each record's first POST began
    attempts: list[Attempt] = field(default_factory=list)  # every request, retries included
    amended: list[str] = field(default_factory=list)  # ids of amended records: the readers follow them all

    def acknowledge(self, seq: int, record_id: str, partner_id: str, version: int, odd: bool) -> None:
        known = self.acked.get(seq)
        if known is None:
            self.acked[seq] = Acked(seq, record_id, partner_id, version, odd)
        else:
            known.version = max(known.version, version)
        self.ack_times.append(time.monotonic())

    def record_sent(self) -> None:
        self.sent += 1
        self.send_times.append(time.monotonic())

    def acks_between(self, start: float, end: float) -> int:
        return _count_between(self.ack_times, start, end)

    def sends_between(self, start: float, end: float) -> int:
        return _count_between(self.send_times, start, end)

    def requests_during(self, start: float, end: float) -> int:
        """Requests in flight at some moment of the window (a stalled one spans it whole)."""
        return sum(1 for a in self.attempts if a.started <= end and a.ended >= start)

    def troubled_between(self, start: float, end: float, slow_s: float) -> int:
        """Requests overlapping the window that failed or took longer than `slow_s`: the fault's mark."""
        return sum(
            1
            for a in self.attempts
            if a.started <= end and a.ended >= start and (not a.ok or a.ended - a.started > slow_s)
        )

    def by_id(self) -> dict[str, Acked]:
        return {ack.record_id: ack for ack in self.acked.values()}

    def expected_per_partner(self) -> Counter[str]:
        return Counter(ack.partner_id for ack in self.acked.values())


def _count_between(moments: list[float], start: float, end: float) -> int:
    ordered = sorted(moments)  # clients append concurrently, nearly but not strictly in order
    return bisect.bisect_right(ordered, end) - bisect.bisect_left(ordered, start)
