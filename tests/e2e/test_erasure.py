"""Erasure end to end (issue 24, docs/adr/0006-erasure-by-crypto-shredding.md): ingest, amend, query, erase;
then read every store, topic and log of the stack for the payload, in plain, hex and base64, and find it
nowhere; rebuild the view from the topics and still find it nowhere. Before the erasure the same scan finds
the payload in the query view alone, where it must be readable: everywhere else it was sealed from the start.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

import contracts
from contracts import canonical_json
from eventkit.messaging import outbound
from eventkit.pulsar.admin import topics_path
from eventkit.pulsar.publisher import PulsarPublisher
from tests.e2e.conftest import ApiKeys
from tests.e2e.rebuild_admin import FINISHED, Admin
from tests.e2e.store_scan import Finder, scan_everything
from tests.helpers import read_all, wait_until
from tests.stack import StackEndpoints


class Record:
    """One partner123 record driven through the HTTP APIs."""

    def __init__(self, urls: dict[str, str], keys: ApiKeys) -> None:
        self.urls = urls
        self.auth = keys.auth(keys.partner)
        self.marker = f"forget-me-{uuid.uuid4().hex}"
        self.versions: list[dict[str, Any]] = [
            {"name": f"{self.marker} one", "email": f"{self.marker}@example.org", "age": 42},
            {"name": f"{self.marker} two", "email": f"{self.marker}@example.org", "age": 43},
        ]
        self.idempotency_key = str(uuid.uuid4())
        self.id = ""

    def ingest(self) -> requests.Response:
        return requests.post(
            f"{self.urls['ingestion_svc']}/ingest",
            headers={**self.auth, "Idempotency-Key": self.idempotency_key},
            json={"partner_id": "partner123", "payload": self.versions[0]},
            timeout=10,
        )

    def amend(self) -> requests.Response:
        return requests.put(
            f"{self.urls['ingestion_svc']}/ingest/{self.id}",
            headers=self.auth,
            json={"payload": self.versions[1]},
            timeout=10,
        )

    def erase(self) -> requests.Response:
        return requests.delete(
            f"{self.urls['ingestion_svc']}/ingest/{self.id}",
            headers=self.auth,
            json={"reason": "the partner's customer asked to be forgotten"},
            timeout=10,
        )

    def view(self, **params: Any) -> requests.Response:
        return requests.get(
            f"{self.urls['query_svc']}/query/{self.id}", headers=self.auth, params=params, timeout=10
        )

    def view_is(self, predicate: Any) -> bool:
        response = self.view()
        assert response.status_code in (200, 404), (
            f"GET /query/{self.id}: {response.status_code} {response.text}"
        )
        return response.status_code == 200 and bool(predicate(response.json()))

    def needles(self) -> list[bytes]:
        """The marker, and the SHA-256 of each version's canonical JSON (processing's fingerprint)."""
        hashes = [hashlib.sha256(canonical_json(p).encode()).hexdigest().encode() for p in self.versions]
        return [self.marker.encode(), *hashes]


@pytest.fixture
def record(service_urls: dict[str, str], api_keys: ApiKeys) -> Iterator[Record]:
    yield Record(service_urls, api_keys)


def _places(record: Record, stack: StackEndpoints) -> set[str]:
    finder = Finder(record.needles())
    scan_everything(finder, stack)
    return {where.split(" :: ")[0] for where in finder.found}


def _readable_reads(record: Record, before_erasure: datetime) -> list[str]:
    """Every read an API offers of the record, as text: none may hold the marker after the erasure."""
    ingestion = f"{record.urls['ingestion_svc']}/ingest/{record.id}"
    reads = [
        requests.get(ingestion, headers=record.auth, timeout=10),
        requests.get(
            ingestion, headers=record.auth, params={"as_of": before_erasure.isoformat()}, timeout=10
        ),
        requests.get(f"{ingestion}/events", headers=record.auth, timeout=10),
        record.view(),
        record.view(as_of=before_erasure.isoformat()),
        requests.get(
            f"{record.urls['query_svc']}/query/{record.id}/history", headers=record.auth, timeout=10
        ),
        requests.get(
            f"{record.urls['processing_svc']}/processing/{record.id}", headers=record.auth, timeout=10
        ),
        requests.get(
            f"{record.urls['validation_svc']}/validation/{record.id}", headers=record.auth, timeout=10
        ),
    ]
    return [f"{r.request.method} {r.url} {r.status_code} {r.text}" for r in reads]


def test_an_erased_record_is_unreadable_in_every_store_topic_log_and_api_and_after_a_rebuild(
    record: Record, stack: StackEndpoints, service_urls: dict[str, str], admin: Admin
) -> None:
    created = record.ingest()
    assert created.status_code == 201, created.text
    record.id = created.json()["id"]
    assert record.amend().status_code == 200
    wait_until(
        lambda: record.view_is(lambda v: v["version"] == 2 and v["status"] == "complete"),
        timeout_s=90,
        what=f"record {record.id} complete at version 2",
    )
    assert record.view().json()["payload"] == record.versions[1]

    # Sealed at rest from the start: only the view (and the SQLite file under it) can read the payload, and
    # processing's duplicate index holds its SHA-256 until the erasure.
    before = _places(record, stack)
    assert before, "the view holds the payload, so the scan must find it there"
    kinds = {place.split(" ")[0] for place in before - {"postgres processing public.fingerprints"}}
    assert kinds <= {"mongo", "sqlite"}, before

    moment = datetime.now(UTC)
    erased = record.erase()
    assert erased.status_code == 200, erased.text
    assert erased.json()["id"] == record.id and erased.json()["erased_at"]
    wait_until(
        lambda: record.view_is(lambda v: v["status"] == "erased"),
        timeout_s=60,
        what=f"record {record.id} erased in the view",
    )

    assert _places(record, stack) == set()
    for read in _readable_reads(record, moment):
        assert record.marker not in read, read
    assert " 500 " not in " ".join(_readable_reads(record, moment))

    # Every service answers the record as erased: no payload, no result, at any moment.
    ingested = requests.get(
        f"{service_urls['ingestion_svc']}/ingest/{record.id}", headers=record.auth, timeout=10
    )
    assert (ingested.json()["status"], ingested.json()["payload"]) == ("erased", None)
    steps = requests.get(
        f"{service_urls['processing_svc']}/processing/{record.id}", headers=record.auth, timeout=10
    )
    assert all(s["data"]["erased"] and s["data"]["details"] is None for s in steps.json()), steps.text

    # What may still be done with an erased record, and what may not.
    assert record.amend().status_code == 410
    again = record.erase()
    assert again.status_code == 410 and again.headers["Content-Type"].startswith("application/problem+json")
    replay = record.ingest()
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json()["id"] == record.id and record.marker not in replay.text
    audit = requests.get(
        f"{service_urls['ingestion_svc']}/ingest/{record.id}/events", headers=record.auth, timeout=10
    ).json()
    assert [event["type"] for event in audit][-1] == "DataErased"

    # A rebuild replays the sealed events of the topics: it finds no key and projects the record erased.
    job = admin.start()
    assert admin.wait_state(job["id"], FINISHED)["state"] == "done"
    assert record.view().json()["status"] == "erased"
    assert _places(record, stack) == set()


SUBSCRIPTIONS = ("validation_svc", "processing_svc", "query-projector")  # data-ingested's consumers


def _sealed_ingested(stack: StackEndpoints, record_id: str) -> contracts.IntegrationEvent:
    """The record's first DataIngested as published (sealed), read back from data-ingested."""
    client = stack.pulsar_client()
    try:
        topic = contracts.topic_for("DataIngested", stack.pulsar_namespace)
        for message in reversed(read_all(client, topic)):
            if message.partition_key() == record_id:
                event = contracts.decode(message.data())
                if event.event_type == "DataIngested":
                    return event
    finally:
        client.close()
    raise AssertionError(f"no DataIngested of {record_id} on data-ingested")


def _backlog(stack: StackEndpoints, subscription: str) -> int:
    topic = contracts.topic_for("DataIngested", stack.pulsar_namespace)
    stats = stack.pulsar_admin.get(f"{topics_path(topic)}/stats", timeout_s=10).json()
    return int(stats["subscriptions"][subscription]["msgBacklog"])


def test_a_redriven_dead_letter_of_an_erased_record_is_acknowledged_as_erased_by_every_consumer(
    record: Record, stack: StackEndpoints
) -> None:
    """A letter keeps its sealed bytes; a redrive puts them back on data-ingested after the record was erased.
    Every consumer then finds no key and acknowledges it: no run, no step, no view of the payload, and no
    letter again. The same event under a new id stands for the letter (one a consumer never saw)."""
    created = record.ingest()
    assert created.status_code == 201, created.text
    record.id = created.json()["id"]
    wait_until(
        lambda: record.view_is(lambda v: v["status"] == "complete"), timeout_s=90, what="the record complete"
    )
    assert record.erase().status_code == 200
    original = _sealed_ingested(stack, record.id)
    assert isinstance(original.data, contracts.DataIngested) and original.data.sealed_payload is not None
    letter = contracts.new_event(
        "DataIngested",
        data_id=record.id,
        partner_id=original.partner_id,
        record_version=2,
        data=original.data,
        producer=original.producer,
        correlation_id=original.correlation_id,
    )
    client = stack.pulsar_client()
    try:
        publisher = PulsarPublisher(client, f"e2e-redrive-{uuid.uuid4().hex[:8]}")
        topic = contracts.topic_for("DataIngested", stack.pulsar_namespace)
        publisher.publish([outbound(letter, topic)])
        publisher.close()
    finally:
        client.close()

    def applied() -> bool:
        history = requests.get(
            f"{record.urls['query_svc']}/query/{record.id}/history", headers=record.auth, timeout=10
        ).json()
        return letter.event_id in {entry.get("event_id") for entry in history}

    wait_until(applied, timeout_s=60, what="the query consumer to take the letter")
    for subscription in SUBSCRIPTIONS:
        wait_until(
            lambda s=subscription: _backlog(stack, s) == 0,  # type: ignore[misc]
            timeout_s=60,
            what=f"{subscription} to acknowledge the letter",
        )
    view = record.view().json()
    assert view["status"] == "erased" and view["payload"] is None
    validation = requests.get(
        f"{record.urls['validation_svc']}/validation/{record.id}", headers=record.auth, timeout=10
    ).text
    processing = requests.get(
        f"{record.urls['processing_svc']}/processing/{record.id}", headers=record.auth, timeout=10
    ).json()
    assert '"record_version":2' not in validation.replace(" ", "")
    assert all(event["data"]["record_version"] == 1 for event in processing)
    client = stack.pulsar_client()
    try:
        existing = set(stack.pulsar_admin.get(topics_path(stack.pulsar_namespace), timeout_s=10).json())
        for subscription in SUBSCRIPTIONS:
            dlq = contracts.dead_letter_topic(topic, subscription)
            letters = read_all(client, dlq) if dlq in existing else []
            assert letter.event_id.encode() not in b" ".join(m.data() for m in letters), dlq
    finally:
        client.close()
