"""Counts failed authentications per client address and presented key id, so failures never lock others out.

A client guessing keys spends its own budget only: its address together with the key id it presents (the
``dik_<id>_`` part, or ``-`` for anything that is not a key). A valid key from the same address, or the
same key from another address, still gets in. The address is the peer's, or the one a trusted proxy
forwarded (FORWARDED_ALLOW_IPS): a client cannot choose a fresh one by sending X-Forwarded-For itself.
"""

from __future__ import annotations

import time

from flask import request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from eventkit.auth.keys import key_id_of

NOT_A_KEY = "-"


class FailureThrottle:
    """Per process: each gunicorn worker counts its own failures, which bounds guessing per worker."""

    def __init__(self, limit: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._limit = parse(limit)

    @staticmethod
    def _bucket(raw_key: str | None) -> tuple[str, str]:
        return request.remote_addr or "unknown", (key_id_of(raw_key or "") or NOT_A_KEY)

    def retry_after(self, raw_key: str | None) -> int | None:
        """Seconds to wait when this address has failed too often with this key id; None when it may try."""
        bucket = self._bucket(raw_key)
        if self._limiter.test(self._limit, *bucket):
            return None
        reset = self._limiter.get_window_stats(self._limit, *bucket).reset_time
        return max(1, int(reset - time.time()))

    def failed(self, raw_key: str | None) -> None:
        self._limiter.hit(self._limit, *self._bucket(raw_key))
