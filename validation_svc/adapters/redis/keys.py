"""The Redis keys of validation's store, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix (tests use a fresh prefix each)."""

    prefix: str = "validation"

    def record(self, data_id: str) -> str:
        return f"{self.prefix}:record:{data_id}"

    @property
    def log(self) -> str:
        return f"{self.prefix}:log"

    @property
    def outbox(self) -> str:
        return f"{self.prefix}:outbox"

    @property
    def handled(self) -> str:
        return f"{self.prefix}:handled"

    @property
    def sequence(self) -> str:
        return f"{self.prefix}:outbox:sequence"

    @property
    def relay_lease(self) -> str:
        return f"{self.prefix}:relay:lease"


RELAY_GROUP = "relay"
