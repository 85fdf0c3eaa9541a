"""What a composition root builds once per process: the use case, its reads and its readiness checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from eventkit.health import Check

HandlerT = TypeVar("HandlerT")
QueriesT = TypeVar("QueriesT")


@dataclass
class UseCases(Generic[HandlerT, QueriesT]):
    """The handler of the service's commands or events, the reads its HTTP edge answers, and the probes of
    the stores and broker it depends on."""

    handler: HandlerT
    queries: QueriesT
    checks: dict[str, Check]
