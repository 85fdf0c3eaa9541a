"""Test doubles and helpers for the PostgreSQL adapter tests: recording brokers, waiting, locks."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine, text

from eventkit.messaging import OutboundMessage, PublishError


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Polls `predicate` until it holds; fails the test naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        time.sleep(0.02)


class DedupingBroker:
    """A Publisher that, like Pulsar with deduplication on, drops any sequence id not above the last one."""

    def __init__(self, *, failures: int = 0) -> None:
        self.sent: list[OutboundMessage] = []  # every message the relay handed over
        self.kept: list[OutboundMessage] = []  # what the topic holds after deduplication
        self.failures = failures
        self._lock = threading.Lock()

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        with self._lock:
            if self.failures > 0:
                self.failures -= 1
                raise PublishError("broker unreachable (simulated)")
            for message in messages:
                self.sent.append(message)
                if not self.kept or message.sequence_id > self.kept[-1].sequence_id:
                    self.kept.append(message)

    def close(self) -> None:
        pass

    def kept_ids(self) -> list[str]:
        with self._lock:
            return [m.event_id for m in self.kept]

    def sent_sequence_ids(self) -> list[int]:
        with self._lock:
            return [m.sequence_id for m in self.sent]


class RelayCrashed(BaseException):
    """Stands for the relay process dying: not an Exception, so nothing in the relay handles it."""


class CrashAfterPublish(DedupingBroker):
    """Persists the batch, then kills the relay before it can mark the rows published."""

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        super().publish(messages)
        raise RelayCrashed


def random_lock_key() -> int:
    """A key no other test session uses at the same time."""
    return random.randrange(1 << 40, 1 << 62)


def lock_holders(engine: Engine, lock_key: int) -> list[int]:
    """Returns the backend pids holding the session advisory lock `lock_key` in this database."""
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND ((classid::bigint << 32) | objid::bigint) = :key"
    )
    with engine.connect() as connection:
        return [int(pid) for pid in connection.execute(query, {"key": lock_key}).scalars()]
