"""Positions: message ids as text that survive a round trip, and garbage refused with ValueError."""

from __future__ import annotations

import pulsar
import pytest

from eventkit.pulsar.positions import decode_position, encode_position


def test_a_position_round_trips_to_the_same_message_id() -> None:
    message_id = pulsar.MessageId(-1, 42, 7, -1)._msg_id

    position = encode_position(message_id)

    assert position.isascii()
    assert decode_position(position) == message_id


@pytest.mark.parametrize("garbage", ["", "not base64!", "AAAA", "é", "CBAQ"])
def test_text_that_is_no_position_is_refused(garbage: str) -> None:
    with pytest.raises(ValueError, match="not a message position"):
        decode_position(garbage)
