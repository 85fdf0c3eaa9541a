"""Collects the broker's receipts for asynchronously sent messages, in the order they were sent."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulsar

from eventkit.messaging import OutboundMessage

SendCallback = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Receipt:
    """The broker's answer for one message: the result, and the ledger entry that stores it if any."""

    message: OutboundMessage
    result: str
    ok: bool
    ledger_id: int = -1
    entry_id: int = -1

    @property
    def deduplicated(self) -> bool:
        """Tells whether the broker confirmed a re-send it had already persisted, without storing it again."""
        # Pulsar answers a sequence id at or below the producer's last persisted one with Ok and the
        # null position -1:-1 (observed on broker 4.0.7 with pulsar-client 3.13).
        return self.ok and self.ledger_id < 0 and self.entry_id < 0


class Receipts:
    """Hands out one send callback per message and waits until every callback has come back."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sent: list[OutboundMessage] = []
        self._receipts: dict[int, Receipt] = {}

    def expect(self, message: OutboundMessage) -> SendCallback:
        """Registers a message about to be sent and returns the callback the client will call for it."""
        index = self._register(message)

        def callback(result: Any, message_id: Any) -> None:
            # The client terminates the process if a callback raises, so nothing may escape from here.
            try:
                receipt = _receipt(message, result, message_id)
            except Exception as error:
                receipt = Receipt(message, f"unreadable receipt: {error!r}", ok=False)
            self._record(index, receipt)

        return callback

    def refuse(self, message: OutboundMessage, reason: str) -> None:
        """Records a message the client would not take, as a failed receipt."""
        self._record(self._register(message), Receipt(message, reason, ok=False))

    @property
    def failed(self) -> bool:
        """Tells whether any receipt so far is a failure."""
        with self._changed:
            return any(not receipt.ok for receipt in self._receipts.values())

    def wait(self, timeout_s: float) -> list[Receipt]:
        """Returns every receipt in send order once all came back; a missing one counts as a failure."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._receipts) == len(self._sent), timeout=timeout_s)
            missing = f"no receipt within {timeout_s:g} s"
            return [
                self._receipts.get(index) or Receipt(message, missing, ok=False)
                for index, message in enumerate(self._sent)
            ]

    def _register(self, message: OutboundMessage) -> int:
        with self._changed:
            self._sent.append(message)
            return len(self._sent) - 1

    def _record(self, index: int, receipt: Receipt) -> None:
        with self._changed:
            # The first answer wins: a refusal may be followed by a late callback for the same message.
            self._receipts.setdefault(index, receipt)
            self._changed.notify_all()


def _receipt(message: OutboundMessage, result: Any, message_id: Any) -> Receipt:
    """Builds a receipt from the client's callback arguments."""
    ok = result == pulsar.Result.Ok
    name = str(getattr(result, "name", result))
    if message_id is None:
        return Receipt(message, name, ok=ok)
    return Receipt(message, name, ok=ok, ledger_id=message_id.ledger_id(), entry_id=message_id.entry_id())
