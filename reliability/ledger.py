"""What the clients sent and what the system acknowledged: the checker's ground truth."""

from __future__ import annotations

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


@dataclass
class Ledger:
    """Every record a scenario sent, the acknowledged ones, and the failures the clients saw."""

    tag: str
    partners: list[str]
    sent: int = 0
    acked: dict[int, Acked] = field(default_factory=dict)
    unacked: list[int] = field(default_factory=list)  # gave up after the deadline
    refused: Counter[str] = field(default_factory=Counter)  # 4xx that retrying cannot fix: a bug
    retries: Counter[str] = field(default_factory=Counter)  # why requests were retried
    ack_times: list[float] = field(default_factory=list)  # monotonic time of each acknowledgement
    watched: list[str] = field(default_factory=list)  # amended ids the sampler follows

    def acknowledge(self, seq: int, record_id: str, partner_id: str, version: int, odd: bool) -> None:
        known = self.acked.get(seq)
        if known is None:
            self.acked[seq] = Acked(seq, record_id, partner_id, version, odd)
        else:
            known.version = max(known.version, version)
        self.ack_times.append(time.monotonic())

    def acks_between(self, start: float, end: float) -> int:
        return sum(1 for moment in self.ack_times if start <= moment <= end)

    def by_id(self) -> dict[str, Acked]:
        return {ack.record_id: ack for ack in self.acked.values()}

    def expected_per_partner(self) -> Counter[str]:
        return Counter(ack.partner_id for ack in self.acked.values())
