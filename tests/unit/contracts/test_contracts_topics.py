"""Topic names, dead-letter topics and the Pulsar key and properties of an event."""

from __future__ import annotations

import pytest

from contracts import (
    DATA_INGESTED,
    DATA_PROCESSED,
    DATA_VALIDATED,
    TOPIC_NAMES,
    TOPICS,
    dead_letter_topic,
    decode,
    event_types,
    message_key,
    message_properties,
    namespace_from_env,
    topic_for,
)
from tests.unit.contracts.conftest import Golden


@pytest.mark.parametrize(
    ("event_type", "short_name"),
    [
        ("DataIngested", "data-ingested"),
        ("DataValidated", "data-validated"),
        ("DataProcessed", "data-processed"),
        ("DataErased", "data-ingested"),  # a record's lifecycle: after its versions, in order, by key
    ],
)
def test_each_event_type_has_its_topic_in_the_namespace(event_type: str, short_name: str) -> None:
    assert topic_for(event_type, "persistent://acme/ingestion") == f"persistent://acme/ingestion/{short_name}"


def test_the_short_names_are_the_published_ones() -> None:
    assert (DATA_INGESTED, DATA_VALIDATED, DATA_PROCESSED) == (
        "data-ingested",
        "data-validated",
        "data-processed",
    )


def test_every_registered_event_type_has_a_topic() -> None:
    assert set(TOPICS) == set(event_types())


def test_topic_names_list_each_topic_once_in_pipeline_order() -> None:
    assert TOPIC_NAMES == ("data-ingested", "data-validated", "data-processed")
    assert set(TOPIC_NAMES) == set(TOPICS.values())


def test_an_erasure_shares_the_message_key_of_the_record_it_erases(golden: Golden) -> None:
    # Key_Shared delivers one key's messages in order on one topic: the erasure comes after every version.
    ingested, erased = decode(golden("data_ingested")), decode(golden("data_erased"))

    assert topic_for(erased.event_type) == topic_for(ingested.event_type)
    assert message_key(erased) == message_key(ingested) == ingested.data_id
    assert message_properties(erased)["event_type"] == "DataErased"


def test_the_namespace_comes_from_pulsar_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULSAR_NAMESPACE", "non-persistent://tenant/staging")

    assert topic_for("DataIngested") == "non-persistent://tenant/staging/data-ingested"


def test_the_namespace_defaults_to_public_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULSAR_NAMESPACE", raising=False)

    assert topic_for("DataValidated") == "persistent://public/default/data-validated"


def test_a_trailing_slash_on_the_namespace_is_ignored() -> None:
    assert (
        namespace_from_env({"PULSAR_NAMESPACE": "persistent://public/default/"})
        == "persistent://public/default"
    )


@pytest.mark.parametrize(
    "namespace", ["public/default", "persistent://public", "persistent://a/b/c", "http://a/b"]
)
def test_a_malformed_namespace_is_refused_naming_the_variable(namespace: str) -> None:
    with pytest.raises(
        ValueError, match=r"^PULSAR_NAMESPACE must look like persistent://<tenant>/<namespace>"
    ):
        topic_for("DataIngested", namespace)


def test_an_unknown_event_type_has_no_topic() -> None:
    with pytest.raises(ValueError, match="unknown event type 'DataDeleted'"):
        topic_for("DataDeleted", "persistent://public/default")


def test_a_dead_letter_topic_follows_pulsars_default_naming() -> None:
    topic = topic_for("DataIngested", "persistent://public/default")

    assert dead_letter_topic(topic, "query_svc") == "persistent://public/default/data-ingested-query_svc-DLQ"


@pytest.mark.parametrize(
    ("topic", "subscription"), [("", "query_svc"), ("persistent://public/default/t", "")]
)
def test_a_dead_letter_topic_needs_a_topic_and_a_subscription(topic: str, subscription: str) -> None:
    with pytest.raises(ValueError, match="needs both"):
        dead_letter_topic(topic, subscription)


def test_the_message_key_is_the_record_id_and_properties_route_without_parsing(
    golden: Golden,
) -> None:
    event = decode(golden("data_validated"))

    assert message_key(event) == "09b9c33e-836e-436c-9d6b-f4b6285cac45"
    assert message_properties(event) == {
        "event_type": "DataValidated",
        "schema_version": "1",
        "correlation_id": "req-5f1c2a9e0b7d4c38",
    }
