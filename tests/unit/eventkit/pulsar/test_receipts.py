"""Receipts: the broker's answers kept in send order, re-sends recognised, missing answers reported."""

from __future__ import annotations

import threading

import pulsar

from eventkit.messaging import OutboundMessage
from eventkit.pulsar.receipts import Receipts


def _message(n: int) -> OutboundMessage:
    return OutboundMessage(
        topic="persistent://t/n/x", key="k", payload=b"{}", event_id=f"e{n}", sequence_id=n
    )


def _stored(ledger: int, entry: int) -> object:
    return pulsar.MessageId(-1, ledger, entry, -1)._msg_id


def test_receipts_come_back_in_send_order_whatever_order_the_callbacks_ran_in() -> None:
    receipts = Receipts()
    first, second = receipts.expect(_message(1)), receipts.expect(_message(2))
    second(pulsar.Result.Timeout, None)
    first(pulsar.Result.Ok, _stored(7, 0))

    settled = receipts.wait(1)

    assert [(r.message.event_id, r.ok, r.result) for r in settled] == [
        ("e1", True, "Ok"),
        ("e2", False, "Timeout"),
    ]
    assert receipts.failed


def test_a_confirmation_without_a_stored_position_is_a_recognised_re_send() -> None:
    receipts = Receipts()
    receipts.expect(_message(1))(pulsar.Result.Ok, _stored(-1, -1))
    receipts.expect(_message(2))(pulsar.Result.Ok, _stored(3, 4))

    assert [r.deduplicated for r in receipts.wait(1)] == [True, False]
    assert not receipts.failed


def test_a_missing_receipt_counts_as_a_failure_after_the_timeout() -> None:
    receipts = Receipts()
    receipts.expect(_message(1))(pulsar.Result.Ok, _stored(1, 1))
    receipts.expect(_message(2))

    settled = receipts.wait(0.05)

    assert [r.ok for r in settled] == [True, False]
    assert settled[1].result == "no receipt within 0.05 s"


def test_a_refused_message_keeps_its_refusal_even_if_a_callback_follows() -> None:
    receipts = Receipts()
    receipts.refuse(_message(1), "no producer: Pulsar error: TimeOut")

    [refused] = receipts.wait(1)

    assert (refused.ok, refused.result) == (False, "no producer: Pulsar error: TimeOut")


def test_wait_returns_as_soon_as_a_late_callback_arrives() -> None:
    receipts = Receipts()
    callback = receipts.expect(_message(1))
    threading.Timer(0.1, callback, args=(pulsar.Result.Ok, _stored(1, 2))).start()

    [receipt] = receipts.wait(5)

    assert receipt.ok and (receipt.ledger_id, receipt.entry_id) == (1, 2)


def test_an_unreadable_callback_argument_becomes_a_failure_instead_of_escaping() -> None:
    receipts = Receipts()
    receipts.expect(_message(1))(pulsar.Result.Ok, "not a message id")

    [receipt] = receipts.wait(1)

    assert not receipt.ok and receipt.result.startswith("unreadable receipt")
