"""A lease in Redis that lets exactly one relay publish the outbox at a time."""

from __future__ import annotations

from typing import Any

import redis

# Renews only a lease this owner still holds, so a relay that lost it never extends another's.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 2 or 0
"""


# Reads new outbox entries only while this owner holds the lease, in one atomic step: a relay that
# lost its lease (paused past its TTL) must not pull entries into its own pending list, where the next
# holder would find them only after it had already published higher sequence ids.
_READ_NEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
return redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[3], 'COUNT', ARGV[4], 'STREAMS', KEYS[2], '>') or {}
"""


class RedisRelayLease:
    def __init__(self, client: redis.Redis, key: str, owner: str, ttl_ms: int = 10_000) -> None:
        self._client = client
        self._key = key
        self._owner = owner
        self._ttl_ms = ttl_ms
        self._renew = client.register_script(_RENEW)
        self._read_new = client.register_script(_READ_NEW)

    def hold(self) -> str:
        """Takes or renews the lease: 'acquired' (newly), 'renewed', or 'lost' (another relay has it)."""
        result = int(self._renew(keys=[self._key], args=[self._owner, self._ttl_ms]))
        return {1: "renewed", 2: "acquired"}.get(result, "lost")

    def read_new(self, stream: str, group: str, consumer: str, count: int) -> Any | None:
        """New entries for `consumer` ([] when none), or None when this owner no longer holds the lease."""
        reply: Any = self._read_new(keys=[self._key, stream], args=[self._owner, group, consumer, count])
        return None if reply == -1 else reply

    def release(self) -> None:
        """Gives the lease up if this owner holds it, so a standby can take over at once."""
        if self._client.get(self._key) == self._owner.encode():
            self._client.delete(self._key)
