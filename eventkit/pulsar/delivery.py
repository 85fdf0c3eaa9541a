"""How a consumer takes its messages: one value, read from the environment the same way by every service."""

from __future__ import annotations

from dataclasses import dataclass

from eventkit.settings import Env


@dataclass(frozen=True)
class Delivery:
    """Up to `batch` messages at a time, gathered for at most `batch_wait_ms`; a message that fails comes
    back after `nack_delay_ms`, and after `max_redeliveries` tries goes to the dead-letter topic."""

    batch: int = 1
    batch_wait_ms: int = 10
    max_redeliveries: int = 5
    nack_delay_ms: int = 1000

    def __post_init__(self) -> None:
        if self.max_redeliveries < 1:
            raise ValueError("max_redeliveries must be at least 1")
        if self.batch < 1:
            raise ValueError("batch must be at least 1")

    @classmethod
    def from_env(cls, env: Env, prefix: str, *, batch: int, max_batch: int) -> Delivery:
        """`{prefix}_BATCH` (default `batch`, at most `max_batch`), `{prefix}_BATCH_WAIT_MS` (10),
        `{prefix}_MAX_REDELIVERIES` (5) and `{prefix}_NACK_DELAY_MS` (1000)."""
        defaults = cls()
        return cls(
            batch=env.integer(f"{prefix}_BATCH", batch, minimum=1, maximum=max_batch),
            batch_wait_ms=env.integer(
                f"{prefix}_BATCH_WAIT_MS", defaults.batch_wait_ms, minimum=1, maximum=5000
            ),
            max_redeliveries=env.integer(
                f"{prefix}_MAX_REDELIVERIES", defaults.max_redeliveries, minimum=1, maximum=100
            ),
            nack_delay_ms=env.integer(
                f"{prefix}_NACK_DELAY_MS", defaults.nack_delay_ms, minimum=10, maximum=600_000
            ),
        )
