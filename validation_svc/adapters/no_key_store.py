"""The data keys of a validation process given no service key: the HTTP API, which reads no payload."""

from __future__ import annotations

from collections.abc import Iterable

from eventkit.sealing.keys import KeyLookup, KeysUnavailable


class NoKeyStore:
    """Refuses every lookup as an outage. Only the API runs with it: the consumer fails at start without a
    service key (Settings.data_keys), so no sealed record is ever judged erased for want of one."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def lookup(self, data_ids: Iterable[str]) -> KeyLookup:
        raise KeysUnavailable(self._reason)

    def forget(self, data_id: str) -> None:
        """Nothing is cached here."""
