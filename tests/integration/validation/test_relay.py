"""The Redis outbox relay on the real broker: in order, acknowledged and trimmed after confirmation, no loss."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulsar
import pytest

from contracts import decode
from eventkit.messaging import OutboundMessage, Publisher, PublishError
from eventkit.pulsar.publisher import PulsarPublisher
from tests.helpers import read_all, wait_until
from tests.integration.validation.conftest import Setup, running
from tests.unit.validation.events import ingested
from validation_svc.adapters.redis.relay import LeaseLost, RedisOutboxRelay


class Crash(Exception):
    """Stands for the relay process dying: nothing after it in the cycle runs."""


class CrashAfterPublish:
    """Publishes for real, then dies before the relay can XACK."""

    def __init__(self, inner: Publisher) -> None:
        self._inner = inner

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        self._inner.publish(messages)
        raise Crash

    def close(self) -> None:
        self._inner.close()


def _validate(setup: Setup, count: int) -> list[str]:
    handler = setup.handler()
    events = [ingested({"name": f"r{i}"}) for i in range(count)]
    for event in events:
        handler(event)
    return [event.event_id for event in events]


def _published_causes(setup: Setup, client: pulsar.Client) -> list[str | None]:
    return [decode(message.data()).causation_id for message in read_all(client, setup.validated_topic)]


def _pending(setup: Setup) -> int:
    return int(setup.redis.xpending(setup.keys.outbox, "relay")["pending"])


def _outbox_length(setup: Setup) -> int:
    return int(setup.redis.xlen(setup.keys.outbox))


class UnreachableBroker:
    """Stands for Pulsar being down: every send fails."""

    def __init__(self, inner: Publisher) -> None:
        self._inner = inner

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        raise PublishError("broker unreachable (simulated)")

    def close(self) -> None:
        self._inner.close()


def test_the_relay_publishes_in_outbox_order_and_acknowledges(setup: Setup, client: pulsar.Client) -> None:
    causes = _validate(setup, 5)
    relay, publisher = setup.relay(client, "relay-a")
    try:
        with running(relay.run, "relay"):
            wait_until(lambda: len(_published_causes(setup, client)) == 5, what="five DataValidated")
            wait_until(lambda: _pending(setup) == 0, what="every entry acknowledged")
            more = _validate(setup, 2)
            wait_until(lambda: len(_published_causes(setup, client)) == 7, what="two more")
    finally:
        publisher.close()
    assert _published_causes(setup, client) == causes + more
    messages = read_all(client, setup.validated_topic)
    assert [m.partition_key() for m in messages] == [decode(m.data()).data_id for m in messages]
    assert messages[0].properties()["event_type"] == "DataValidated"


def test_a_crash_after_publishing_before_xack_loses_and_duplicates_nothing(
    setup: Setup, client: pulsar.Client
) -> None:
    causes = _validate(setup, 4)
    crashing, first_publisher = setup.relay(client, "relay-a", wrap=CrashAfterPublish)
    with pytest.raises(Crash):
        crashing.run_once()
    first_publisher.close()  # the dead process's connection is gone
    assert _pending(setup) == 4
    assert len(_published_causes(setup, client)) == 4
    later = _validate(setup, 2)
    # The next relay gets the lease once the dead one's expires, claims its pending entries and re-sends them.
    relay, publisher = setup.relay(client, "relay-b")
    try:
        with running(relay.run, "relay-b"):
            wait_until(
                lambda: _pending(setup) == 0 and _outbox_length(setup) == 0, what="all acked and trimmed"
            )
            wait_until(lambda: len(_published_causes(setup, client)) >= 6, what="the later entries published")
    finally:
        publisher.close()
    assert _published_causes(setup, client) == causes + later


def test_a_standby_relay_publishes_nothing_while_the_lease_is_held(
    setup: Setup, client: pulsar.Client
) -> None:
    _validate(setup, 1)
    active, active_publisher = setup.relay(client, "relay-a")
    standby, standby_publisher = setup.relay(client, "relay-b")
    try:
        assert active.run_once() is True
        assert standby.run_once() is False
    finally:
        active_publisher.close()
        standby_publisher.close()
    assert len(_published_causes(setup, client)) == 1


def test_a_relay_that_lost_its_lease_reads_no_new_entries(setup: Setup, client: pulsar.Client) -> None:
    active, active_publisher = setup.relay(client, "relay-a")
    try:
        assert active.run_once() is True  # holds the lease, group created, nothing to send yet
        _validate(setup, 2)
        # The lease passes to another relay while relay-a is between its lease check and its read
        # (a pause past the TTL): its read must come back empty-handed, not pull the entries.
        setup.redis.set(setup.keys.relay_lease, "relay-b", px=30_000)
        with pytest.raises(LeaseLost):
            active._read()  # the seam a long pause would hit
        pending: Any = setup.redis.xpending(setup.keys.outbox, "relay")
        assert pending["pending"] == 0
        assert _published_causes(setup, client) == []
    finally:
        active_publisher.close()


def test_relaying_a_thousand_entries_leaves_an_empty_outbox_stream_and_each_on_pulsar_once(
    setup: Setup, client: pulsar.Client
) -> None:
    causes = _validate(setup, 1000)
    assert _outbox_length(setup) == 1000
    relay, publisher = setup.relay(client, "relay-a")
    try:
        with running(relay.run, "relay"):
            wait_until(lambda: _outbox_length(setup) == 0, timeout_s=60, what="the outbox stream trimmed")
    finally:
        publisher.close()
    assert _pending(setup) == 0
    assert _published_causes(setup, client) == causes  # each once, in outbox order


def test_an_entry_pulsar_has_not_confirmed_is_never_trimmed(setup: Setup, client: pulsar.Client) -> None:
    first = _validate(setup, 3)
    relay, publisher = setup.relay(client, "relay-a")
    try:
        assert relay.run_once() is True
    finally:
        publisher.close()
    later = _validate(setup, 2)
    failing, failing_publisher = setup.relay(client, "relay-b", wrap=UnreachableBroker)
    setup.redis.delete(setup.keys.relay_lease)  # relay-a is gone; relay-b takes over at once
    with pytest.raises(PublishError):
        failing.run_once()  # read both, sent neither: they stay pending, and in the stream
    failing_publisher.close()
    assert (_outbox_length(setup), _pending(setup)) == (2, 2)
    _validate(setup, 1)  # never read by any relay
    assert _outbox_length(setup) == 3
    relay, publisher = setup.relay(client, "relay-c")
    setup.redis.delete(setup.keys.relay_lease)
    try:
        with running(relay.run, "relay-c"):
            wait_until(lambda: _outbox_length(setup) == 0, what="the rest published and trimmed")
    finally:
        publisher.close()
    assert _published_causes(setup, client)[:5] == first + later
    assert len(_published_causes(setup, client)) == 6


def test_an_idle_relay_wakes_for_a_new_entry_at_once(setup: Setup, client: pulsar.Client) -> None:
    # Idle, the relay blocks in XREAD for up to block_ms (4 s here); a new entry must end that wait. The
    # relay that polled slept the whole block_ms after an empty read, and published this entry ~3.5 s late.
    publisher = PulsarPublisher(client, f"test-validation-relay-{setup.suffix}", send_timeout_ms=5000)
    relay = RedisOutboxRelay(setup.redis, publisher, consumer="relay-idle", keys=setup.keys, block_ms=4000)
    try:
        with running(relay.run, "relay"):
            _validate(setup, 1)
            wait_until(lambda: len(_published_causes(setup, client)) == 1, what="the first entry")
            wait_until(lambda: _blocked_in_xread(setup), timeout_s=5, what="the relay waiting in XREAD")
            more = _validate(setup, 1)
            wait_until(lambda: len(_published_causes(setup, client)) == 2, timeout_s=2, what="the new entry")
    finally:
        publisher.close()
    assert _published_causes(setup, client)[1:] == more


def _blocked_in_xread(setup: Setup) -> bool:
    """A connection of the test's own Redis user is blocked (flag b) in an XREAD: the idle relay's wait (the
    stack's own relay waits too, as its `validation` user)."""
    user = setup.redis.acl_whoami()
    return any(
        c["cmd"] == "xread" and "b" in c["flags"] and c["user"] == user for c in setup.redis.client_list()
    )
