"""Ports processing's use cases depend on, beyond eventkit's event store, outbox and inbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from eventkit.eventstore.ports import UnitOfWork
from processing_svc.domain.steps.base import DuplicateIndex


class ProcessingUnitOfWork(UnitOfWork, Protocol):
    duplicates: DuplicateIndex  # writes in the same transaction as the events


UnitOfWorkFactory = Callable[[], ProcessingUnitOfWork]
