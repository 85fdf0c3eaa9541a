"""HTTP in at ingestion, DataIngested through Pulsar, the validation log and DataValidated out."""

from __future__ import annotations

from typing import Any

import pulsar
import requests

from contracts import DataValidated, decode, topic_for
from tests.e2e.conftest import ApiKeys
from tests.helpers import wait_until
from tests.stack import StackEndpoints


def _ingest(urls: dict[str, str], keys: ApiKeys, payload: dict[str, Any]) -> str:
    body: dict[str, Any] = {"partner_id": "partner123", "payload": payload}
    response = requests.post(
        f"{urls['ingestion_svc']}/ingest", json=body, headers=keys.auth(keys.partner), timeout=10
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _completed_log(urls: dict[str, str], keys: ApiKeys, record_id: str) -> list[dict[str, Any]]:
    """Waits until the record's log holds a completed validation, and returns its entries."""
    url = f"{urls['validation_svc']}/validation/{record_id}"
    entries: list[dict[str, Any]] = []

    def completed() -> bool:
        response = requests.get(url, headers=keys.auth(keys.partner), timeout=10)
        if response.status_code == 200:
            entries[:] = response.json()["entries"]
        return any(entry["type"] == "ValidationCompleted" for entry in entries)

    wait_until(completed, timeout_s=60, what=f"record {record_id} validated")
    return entries


class ValidatedReader:
    """Reads data-validated from the moment it is opened, so older history is not scanned."""

    def __init__(self, stack: StackEndpoints) -> None:
        self._client = stack.pulsar_client()
        topic = topic_for(DataValidated.EVENT_TYPE)
        self._reader = self._client.create_reader(topic, pulsar.MessageId.latest)
        self.by_record: dict[str, list[Any]] = {}

    def wait_for(self, *record_ids: str, timeout_s: float = 30.0) -> None:
        def arrived() -> bool:
            try:
                message = self._reader.read_next(timeout_millis=200)
            except pulsar.Timeout:
                return False
            self.by_record.setdefault(message.partition_key(), []).append(decode(message.data()))
            return all(record_id in self.by_record for record_id in record_ids)

        wait_until(arrived, timeout_s=timeout_s, what="DataValidated on Pulsar")

    def close(self) -> None:
        self._reader.close()
        self._client.close()


def test_a_valid_and_an_invalid_record_are_logged_and_published(
    service_urls: dict[str, str], api_keys: ApiKeys, stack: StackEndpoints
) -> None:
    reader = ValidatedReader(stack)
    try:
        valid, invalid, failed = _ingest_and_check_logs(service_urls, api_keys)
        reader.wait_for(valid, invalid)
    finally:
        reader.close()
    [event] = reader.by_record[invalid]
    assert isinstance(event.data, DataValidated)
    assert not event.data.is_valid
    assert [(e.rule, e.field) for e in event.data.errors] == [(f["rule"], f["field"]) for f in failed]
    assert event.producer == "validation_svc"
    [valid_event] = reader.by_record[valid]
    assert isinstance(valid_event.data, DataValidated)
    assert valid_event.data.is_valid


def _ingest_and_check_logs(
    service_urls: dict[str, str], api_keys: ApiKeys
) -> tuple[str, str, list[dict[str, Any]]]:
    valid = _ingest(service_urls, api_keys, {"name": "Ada", "age": 36, "attributes": {"color": "red"}})
    invalid = _ingest(service_urls, api_keys, {"age": 130, "attributes": {"tags": ["x"]}})
    assert [e["type"] for e in _completed_log(service_urls, api_keys, valid)] == [
        "ValidationStarted",
        "ValidationCompleted",
    ]
    failed = [
        e["detail"] for e in _completed_log(service_urls, api_keys, invalid) if e["type"] == "RuleFailed"
    ]
    # A sealed record's member names are its partner's data: a wildcard rule's failure names the rule's path.
    assert [(f["rule"], f["field"]) for f in failed] == [
        ("required", "name"),
        ("range", "age"),
        ("type", "attributes.*"),
    ]
    return valid, invalid, failed
