"""Against the running stack: a 201 from ingestion becomes DataIngested on Pulsar via the supervised relay."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pulsar
import pytest
import requests

import contracts
from eventkit.sealing.cipher import keyed_content_hash
from eventkit.sealing.events import ingested_payload
from eventkit.sealing.keys import DataKeys, KeyLookup
from tests.e2e.conftest import ApiKeys
from tests.stack import StackEndpoints

NAMESPACE = os.environ.get("PULSAR_NAMESPACE", "persistent://public/default")
TOPIC = contracts.topic_for(contracts.DataIngested.EVENT_TYPE, NAMESPACE)


@pytest.fixture
def reader(stack: StackEndpoints) -> Iterator[pulsar.Reader]:
    """A reader at the topic's head, opened before the request so it sees what the request causes."""
    client = stack.pulsar_client()
    topic_reader = client.create_reader(TOPIC, pulsar.MessageId.latest)
    yield topic_reader
    client.close()


def _events_for(
    reader: pulsar.Reader, data_id: str, count: int, timeout_s: float = 30
) -> list[contracts.IntegrationEvent]:
    found: list[contracts.IntegrationEvent] = []
    deadline = time.monotonic() + timeout_s
    while len(found) < count and time.monotonic() < deadline:
        try:
            message = reader.read_next(timeout_millis=1000)
        except pulsar.Timeout:
            continue
        event = contracts.decode(message.data())
        if event.data_id == data_id:
            assert message.partition_key() == data_id
            found.append(event)
    return found


def test_post_then_amend_reach_pulsar_with_the_request_id_as_correlation_id(
    service_urls: dict[str, str], reader: pulsar.Reader, api_keys: ApiKeys, data_keys: DataKeys
) -> None:
    auth = api_keys.auth(api_keys.partner)
    base = service_urls["ingestion_svc"]
    request_id = f"e2e-{uuid.uuid4()}"
    payload: dict[str, Any] = {"name": "Example Data", "age": 30, "attributes": {"key1": "value1"}}
    created = requests.post(
        f"{base}/ingest",
        json={"partner_id": "partner123", "payload": payload},
        headers={"X-Request-ID": request_id, **auth},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    record_id = created.json()["id"]
    amended = requests.put(
        f"{base}/ingest/{record_id}",
        json={"payload": {**payload, "age": 31}},
        headers={"If-Match": '"1"', **auth},
        timeout=10,
    )
    assert amended.status_code == 200, amended.text

    events = _events_for(reader, record_id, 2)
    assert [e.record_version for e in events] == [1, 2]
    assert events[0].correlation_id == request_id
    # Sealed: the payload opens under the record's key (as a consumer gets it), the hash is keyed by it.
    key = data_keys.lookup([record_id]).key_for(record_id)
    assert key is not None
    lookup = KeyLookup({record_id: key})
    assert [ingested_payload(e, lookup) for e in events] == [payload, {**payload, "age": 31}]
    assert events[0].data.content_hash == keyed_content_hash(key, payload)  # type: ignore[union-attr]
    assert b"Example Data" not in contracts.encode(events[0])
    trail = requests.get(f"{base}/ingest/{record_id}/events", headers=auth, timeout=10).json()
    assert [e["type"] for e in trail] == ["DataReceived", "DataAmended"]
    assert trail[0]["metadata"]["correlation_id"] == request_id


def test_bad_input_is_problem_json_over_real_http(service_urls: dict[str, str], api_keys: ApiKeys) -> None:
    base = service_urls["ingestion_svc"]
    auth = api_keys.auth(api_keys.partner)
    response = requests.post(
        f"{base}/ingest", data=b"{not json", headers={"Content-Type": "application/json", **auth}, timeout=10
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    oversize = requests.post(
        f"{base}/ingest",
        data=b"x" * (1024 * 1024 + 1),
        headers={"Content-Type": "application/json", **auth},
        timeout=10,
    )
    assert oversize.status_code == 413
