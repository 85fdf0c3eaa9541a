"""EventConsumer's settings checked at construction, before it subscribes to anything."""

from __future__ import annotations

from collections.abc import Iterator

import pulsar
import pytest

from eventkit.pulsar.consumer import EventConsumer

TOPIC = "persistent://public/default/data-ingested"


@pytest.fixture
def client() -> Iterator[pulsar.Client]:
    # The client connects lazily; nothing here subscribes.
    pulsar_client = pulsar.Client("pulsar://127.0.0.1:1")
    yield pulsar_client
    pulsar_client.close()


def test_the_dead_letter_topic_is_the_contracts_name_for_topic_and_subscription(
    client: pulsar.Client,
) -> None:
    consumer = EventConsumer(client, TOPIC, "query-views", lambda event: None)

    assert consumer.dead_letter_topic == f"{TOPIC}-query-views-DLQ"


def test_a_message_must_be_allowed_at_least_one_redelivery(client: pulsar.Client) -> None:
    with pytest.raises(ValueError, match="max_redeliveries"):
        EventConsumer(client, TOPIC, "views", lambda event: None, max_redeliveries=0)
