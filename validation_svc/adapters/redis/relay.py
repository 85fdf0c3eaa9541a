"""Publishes the outbox stream to Pulsar: read in a group, publish, then XACK and trim what was confirmed."""

from __future__ import annotations

import logging
import threading
from typing import Any

import redis
from prometheus_client import Counter

from eventkit.messaging import OutboundMessage, Publisher, PublishError
from validation_svc.adapters.entries import outbox_message
from validation_svc.adapters.redis.keys import RELAY_GROUP, Keys
from validation_svc.adapters.redis.lease import RedisRelayLease

_log = logging.getLogger(__name__)

# Acknowledges the entries the broker confirmed and removes them from the stream, in one atomic step: a
# relay killed between an XACK and a trim would leave published entries behind for good. Trimming stops
# at the group's oldest pending entry (read by some relay, not yet confirmed) or, with none pending, at
# the newest entry just confirmed: everything below it was delivered to the group and acknowledged, and
# everything after it is unpublished. XDEL also takes the confirmed entries above a pending one.
_ACK_AND_TRIM = """
local ids = {unpack(ARGV, 2)}
redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
local deleted = redis.call('XDEL', KEYS[1], unpack(ids))
local pending = redis.call('XPENDING', KEYS[1], ARGV[1])
local floor = ids[#ids]
if pending[1] > 0 then floor = pending[2] end
return deleted + redis.call('XTRIM', KEYS[1], 'MINID', floor)
"""

OUTBOX_TRIMMED = Counter(
    "validation_outbox_trimmed", "Published outbox stream entries removed after their acknowledgement"
)


class RedisOutboxRelay:
    """One active relay (the lease holder) publishes in outbox order; others wait for the lease.

    A relay killed after publishing but before XACK leaves its entries pending; the next lease holder
    claims them (XAUTOCLAIM) and sends them again with the same sequence ids, which the broker drops.
    """

    def __init__(
        self,
        client: redis.Redis,
        publisher: Publisher,
        *,
        consumer: str,
        keys: Keys | None = None,
        batch: int = 100,
        block_ms: int = 1000,
        retry_s: float = 1.0,
        lease_ms: int = 30_000,
    ) -> None:
        timeout = client.connection_pool.connection_kwargs.get("socket_timeout")
        if timeout is not None and block_ms >= timeout * 1000:
            raise ValueError(
                f"block_ms ({block_ms}) must be shorter than the client's socket timeout ({timeout} s)"
            )
        self._client = client
        self._publisher = publisher
        self._consumer = consumer
        self._keys = keys or Keys()
        self._batch = batch
        self._block_ms = block_ms
        self._retry_s = retry_s
        self._lease = RedisRelayLease(client, self._keys.relay_lease, consumer, lease_ms)
        self._pending_first = True
        self._ack_and_trim = client.register_script(_ACK_AND_TRIM)

    def run(self, stop: threading.Event) -> None:
        """Relays until the event is set; store and broker errors are retried after a pause."""
        try:
            while not stop.is_set():
                try:
                    if not self.run_once():
                        stop.wait(self._retry_s)
                except LeaseLost as error:
                    _log.warning("outbox relay standing by: %s", error)
                    stop.wait(self._retry_s)
                except (redis.RedisError, PublishError) as error:
                    _log.warning("outbox relay cycle failed, retrying: %s", error)
                    self._pending_first = True
                    stop.wait(self._retry_s)
        finally:
            self._lease.release()

    def run_once(self) -> bool:
        """Runs one cycle; returns False when this relay is on standby."""
        state = self._lease.hold()
        if state == "lost":
            return False
        if state == "acquired":
            self._ensure_group()
            self._claim_all()
        entries = self._read()
        if entries:
            self.publish(entries)
        return True

    def publish(self, entries: list[tuple[bytes, OutboundMessage]]) -> None:
        """Publishes the entries in order; once the broker confirmed them, acknowledges and removes them."""
        self._publisher.publish([message for _, message in entries])
        ids = [entry_id for entry_id, _ in entries]
        removed = self._ack_and_trim(keys=[self._keys.outbox], args=[RELAY_GROUP, *ids])
        OUTBOX_TRIMMED.inc(int(removed))

    def _ensure_group(self) -> None:
        try:
            self._client.xgroup_create(self._keys.outbox, RELAY_GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def _claim_all(self) -> None:
        """Takes over every entry a previous lease holder read but never acknowledged."""
        start = "0-0"
        while True:
            reply: Any = self._client.xautoclaim(
                self._keys.outbox, RELAY_GROUP, self._consumer, 0, start, count=self._batch
            )
            start = reply[0].decode()
            if start == "0-0":
                break
        self._pending_first = True

    def _read(self) -> list[tuple[bytes, OutboundMessage]]:
        """Returns this relay's pending entries first (oldest first), then new ones."""
        if self._pending_first:
            reply: Any = self._client.xreadgroup(
                RELAY_GROUP, self._consumer, {self._keys.outbox: "0"}, count=self._batch
            )
            pending = _messages(reply)
            if pending:
                return pending
            self._pending_first = False
        reply = self._lease.read_new(self._keys.outbox, RELAY_GROUP, self._consumer, self._batch)
        if reply is None:
            raise LeaseLost("the relay lease passed to another relay")
        entries = _messages(reply)
        if not entries:
            self._wait_for_new()
        return entries

    def _wait_for_new(self) -> None:
        """Blocks until an entry the group has not delivered yet is in the stream, or `block_ms` passed.

        The fenced read is a script, and a script cannot block; a plain XREAD after the group's last
        delivered id can, and it changes nothing, so the next cycle's script reads what woke it. An idle
        relay so makes a round trip a second, not ten, and sees a new entry at once, not up to 100 ms late.
        """
        groups: Any = self._client.xinfo_groups(self._keys.outbox)
        delivered = next(
            (g["last-delivered-id"] for g in groups if g["name"] == RELAY_GROUP.encode()), b"0-0"
        )
        self._client.xread({self._keys.outbox: delivered}, count=1, block=self._block_ms)


class LeaseLost(Exception):
    """Another relay holds the lease now; this one goes back to standby."""


def _messages(reply: Any) -> list[tuple[bytes, OutboundMessage]]:
    if not reply:
        return []
    [(_, rows)] = reply
    return [(entry_id, outbox_message(_as_dict(fields))) for entry_id, fields in rows if fields]


def _as_dict(fields: Any) -> dict[bytes, bytes]:
    # redis-py parses XREADGROUP into a dict; a Lua script's reply keeps Redis's flat field/value list.
    return dict(zip(fields[::2], fields[1::2], strict=True)) if isinstance(fields, list) else dict(fields)
