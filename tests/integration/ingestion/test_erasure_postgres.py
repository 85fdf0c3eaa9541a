"""Erasure and the key store over HTTP on the real PostgreSQL: the key row destroyed with DataErased and its
outbox row in one transaction, no payload left readable in ingestion's tables, 410s, and keys for services."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

import contracts
from eventkit.auth.keys import add_key
from eventkit.sealing.cipher import DataKey
from eventkit.sealing.events import ingested_payload
from eventkit.sealing.keys import KeyLookup
from eventkit.settings import Env
from ingestion_svc.adapters.kek import KekFile
from ingestion_svc.adapters.postgres.unit_of_work import PostgresIngestionUnitOfWork
from ingestion_svc.bootstrap import bootstrap, create_app
from ingestion_svc.settings import Settings
from tests.api_keys import TestKeys
from tests.ingestion_db import migrated_ingestion_engine, write_kek_file
from tests.stack import StackEndpoints

MARKER = "erasure-marker-5f1c"


@dataclass
class Api:
    engine: Engine
    keks: KekFile
    partner: FlaskClient
    other: FlaskClient
    admin: FlaskClient
    service: FlaskClient

    def created(self, idempotency_key: str | None = None) -> dict[str, Any]:
        body = {"partner_id": "partner123", "payload": {"name": MARKER}}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = self.partner.post("/ingest", json=body, headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)
        answer: dict[str, Any] = response.get_json()
        return answer

    def rows(self, sql: str, **params: object) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(text(sql), params).all())


@pytest.fixture
def api(stack: StackEndpoints, tmp_path: Path) -> Iterator[Api]:
    keys = TestKeys(tmp_path / "api-keys.json")
    keks = write_kek_file(tmp_path / "kek.json")
    settings = Settings.from_env(Env({"API_KEYS_FILE": str(keys.path), "INGESTION_KEK_FILE": str(keks.path)}))
    with migrated_ingestion_engine(stack.ingestion_db_url) as engine:
        ingestion = bootstrap(settings, uow_factory=lambda: PostgresIngestionUnitOfWork(engine, keks))
        app = create_app(settings, ingestion)

        def client(key: str) -> FlaskClient:
            test_client = app.test_client()
            test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
            return test_client

        service_key = add_key(keys.path, "service")
        yield Api(
            engine, keks, client(keys.partner), client(keys.other), client(keys.admin), client(service_key)
        )


def test_erasure_destroys_the_key_row_and_queues_data_erased_in_one_transaction(api: Api) -> None:
    record_id = api.created()["id"]
    response = api.partner.delete(f"/ingest/{record_id}", json={"reason": "subject asked"})
    assert response.status_code == 200, response.get_data(as_text=True)
    [row] = api.rows("SELECT * FROM data_keys WHERE data_id = :id", id=record_id)
    assert (row.wrapped_key, row.kek_id, row.reason) == (None, None, "subject asked")
    assert row.erased_by == response.get_json()["erased_by"] and row.erased_at is not None
    [erased] = [
        contracts.decode(bytes(r.payload))
        for r in api.rows("SELECT payload FROM outbox ORDER BY id")
        if contracts.decode(bytes(r.payload)).event_type == "DataErased"
    ]
    assert (erased.data_id, erased.record_version, erased.data.reason) == (record_id, 1, "subject asked")  # type: ignore[union-attr]
    types = [
        r.event_type
        for r in api.rows(
            "SELECT event_type FROM events WHERE stream_id = :id ORDER BY version", id=record_id
        )
    ]
    assert types == ["DataReceived", "DataErased"]


def test_no_table_of_ingestion_holds_the_payload_readable(api: Api) -> None:
    record_id = api.created("k-1")["id"]
    api.partner.put(f"/ingest/{record_id}", json={"payload": {"name": MARKER, "v": 2}})
    api.partner.delete(f"/ingest/{record_id}")
    for table in ("events", "outbox", "idempotency_keys", "data_keys"):
        dump = " ".join(str(row) for row in api.rows(f"SELECT * FROM {table}"))
        for form in (MARKER, base64.b64encode(MARKER.encode()).decode()[:16], MARKER.encode().hex()):
            assert form not in dump, f"{table} holds the payload"


def test_another_partner_gets_404_and_the_key_stays_live(api: Api) -> None:
    record_id = api.created()["id"]
    assert api.other.delete(f"/ingest/{record_id}").status_code == 404
    [row] = api.rows("SELECT wrapped_key, erased_at FROM data_keys WHERE data_id = :id", id=record_id)
    assert row.wrapped_key is not None and row.erased_at is None
    assert api.partner.get(f"/ingest/{record_id}").get_json()["payload"] == {"name": MARKER}


def test_after_erasure_reads_have_no_payload_writes_are_gone_and_replays_answer_as_first(api: Api) -> None:
    first = api.created("create-1")
    record_id = first["id"]
    erased_at = api.admin.delete(f"/ingest/{record_id}").get_json()["erased_at"]
    record = api.partner.get(f"/ingest/{record_id}").get_json()
    assert (record["payload"], record["erased_at"]) == (None, erased_at)
    for response in (
        api.partner.delete(f"/ingest/{record_id}"),
        api.partner.put(f"/ingest/{record_id}", json={"payload": {"name": "again"}}),
    ):
        assert (response.status_code, response.mimetype) == (410, "application/problem+json")
        assert response.get_json()["erased_at"] == erased_at
    replay = api.partner.post(
        "/ingest",
        json={"partner_id": "partner123", "payload": {"name": MARKER}},
        headers={"Idempotency-Key": "create-1"},
    )
    assert (replay.status_code, replay.get_json()) == (201, first)


def test_unwrap_gives_services_the_keys_that_open_the_published_payloads(api: Api) -> None:
    live, erased, unknown = api.created()["id"], api.created()["id"], str(uuid.uuid4())
    api.partner.delete(f"/ingest/{erased}")
    answer = api.service.post("/internal/keys/unwrap", json={"data_ids": [live, erased, unknown]}).get_json()
    assert (list(answer["keys"]), answer["erased"], answer["unknown"]) == ([live], [erased], [unknown])
    [row] = api.rows("SELECT payload FROM outbox WHERE message_key = :id", id=live)
    event = contracts.decode(bytes(row.payload))
    key = DataKey(live, base64.b64decode(answer["keys"][live]))
    assert ingested_payload(event, KeyLookup({live: key})) == {"name": MARKER}
    assert api.partner.post("/internal/keys/unwrap", json={"data_ids": [live]}).status_code == 403


def test_a_batch_stores_one_wrapped_key_per_record(api: Api) -> None:
    items = [{"partner_id": "partner123", "payload": {"i": i}} for i in range(3)]
    results = api.partner.post("/ingest/batch", json=items).get_json()["items"]
    ids = [item["id"] for item in results]
    rows = api.rows("SELECT data_id, kek_id, wrapped_key FROM data_keys WHERE data_id = ANY(:ids)", ids=ids)
    assert sorted(r.data_id for r in rows) == sorted(ids)
    assert {r.kek_id for r in rows} == {"kek-1"} and all(len(r.wrapped_key) == 12 + 32 + 16 for r in rows)
