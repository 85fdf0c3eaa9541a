"""PulsarPublisher's rules that hold before anything is sent: producer names and growing sequence ids."""

from __future__ import annotations

from collections.abc import Iterator

import pulsar
import pytest

from eventkit.messaging import OutboundMessage
from eventkit.pulsar.publisher import PulsarPublisher, producer_name_for

TOPIC = "persistent://public/default/data-ingested"


@pytest.fixture
def publisher() -> Iterator[PulsarPublisher]:
    # The client connects lazily; these tests fail before any producer is created.
    client = pulsar.Client("pulsar://127.0.0.1:1")
    yield PulsarPublisher(client, "relay")
    client.close()


def _message(sequence_id: int, topic: str = TOPIC) -> OutboundMessage:
    return OutboundMessage(topic, "k", b"{}", f"e{sequence_id}", sequence_id=sequence_id)


def test_the_producer_name_is_stable_per_topic() -> None:
    assert producer_name_for("ingestion-relay", TOPIC) == "ingestion-relay-data-ingested"


@pytest.mark.parametrize("sequence_ids", [[1, 1], [3, 2]])
def test_sequence_ids_that_do_not_grow_within_a_topic_are_refused(
    publisher: PulsarPublisher, sequence_ids: list[int]
) -> None:
    with pytest.raises(ValueError, match="sequence ids must grow per topic"):
        publisher.publish([_message(n) for n in sequence_ids])


def test_nothing_to_publish_is_no_work(publisher: PulsarPublisher) -> None:
    publisher.publish([])


def test_an_unbounded_send_timeout_is_refused() -> None:
    client = pulsar.Client("pulsar://127.0.0.1:1")
    try:
        with pytest.raises(ValueError, match="send_timeout_ms"):
            PulsarPublisher(client, "relay", send_timeout_ms=0)
    finally:
        client.close()
