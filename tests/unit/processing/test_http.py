"""GET /processing/{id} on in-memory adapters: the record's step events, only for its partner or an admin."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from eventkit.auth.keys import add_key
from eventkit.eventstore.memory import InMemoryDatabase
from eventkit.sealing.keys import MemoryKeyStore
from eventkit.settings import Env
from processing_svc.adapters.memory import Claims, InMemoryProcessingUnitOfWork
from processing_svc.bootstrap import Processing, bootstrap, create_app
from processing_svc.settings import Settings
from tests.lifecycle_events import sealed
from tests.unit.processing.support import ingested
from tests.unit.processing.test_sealed_records import Unreachable


class Stack:
    def __init__(self, tmp_path: Path) -> None:
        self.keys_file = tmp_path / "api-keys.json"
        self.partner = add_key(self.keys_file, "partner", "partner123")
        self.other = add_key(self.keys_file, "partner", "partner456")
        self.admin = add_key(self.keys_file, "admin")
        self.settings = Settings.from_env(Env({"API_KEYS_FILE": str(self.keys_file)}))
        database, claims = InMemoryDatabase(), Claims()
        self.keys = MemoryKeyStore()
        self.uow_factory = lambda: InMemoryProcessingUnitOfWork(database, claims)
        self.processing: Processing = bootstrap(self.settings, uow_factory=self.uow_factory, keys=self.keys)

    def client(self, key: str | None) -> FlaskClient:
        client = create_app(self.settings, self.processing).test_client()
        if key is not None:
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return client


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    return Stack(tmp_path)


def test_the_partner_reads_its_records_step_events(stack: Stack) -> None:
    event = ingested({"name": "Ada"})
    stack.processing.handler(event)
    response = stack.client(stack.partner).get(f"/processing/{event.data_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert [e["event_type"] for e in body] == ["StepSucceeded"] * 4
    assert [e["version"] for e in body] == [1, 2, 3, 4]
    assert body[0]["data"]["step"] == "normalize" and body[0]["data"]["record_version"] == 1
    assert body[0]["metadata"]["causation_id"] == event.event_id


def test_a_step_event_carries_no_global_position(stack: Stack) -> None:
    """The store's global sequence would tell a partner how much other partners wrote (issue 22)."""
    event = ingested({"name": "Ada"})
    stack.processing.handler(event)
    body = stack.client(stack.partner).get(f"/processing/{event.data_id}").get_json()
    assert set(body[0]) == {"event_id", "event_type", "version", "occurred_at", "data", "metadata"}


def test_an_admin_reads_any_record(stack: Stack) -> None:
    event = ingested({"name": "Ada"}, partner_id="partner456")
    stack.processing.handler(event)
    assert stack.client(stack.admin).get(f"/processing/{event.data_id}").status_code == 200


def test_another_partners_record_is_not_found(stack: Stack) -> None:
    event = ingested({"name": "Ada"})
    stack.processing.handler(event)
    response = stack.client(stack.other).get(f"/processing/{event.data_id}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_an_unknown_record_is_not_found(stack: Stack) -> None:
    assert stack.client(stack.partner).get(f"/processing/{uuid.uuid4()}").status_code == 404


def test_a_malformed_id_is_not_found(stack: Stack) -> None:
    assert stack.client(stack.partner).get("/processing/not-a-uuid").status_code == 404


def test_no_key_is_refused(stack: Stack) -> None:
    assert stack.client(None).get(f"/processing/{uuid.uuid4()}").status_code == 401


def test_the_route_is_documented(stack: Stack) -> None:
    spec = stack.client(None).get("/openapi.json").get_json()
    assert "/processing/{record_id}" in spec["paths"]


def test_a_sealed_records_step_details_are_shown_opened(stack: Stack) -> None:
    key = stack.keys.create(str(uuid.uuid4()))
    stack.processing.handler(sealed(key, {"name": "Ada", "age": 36}))
    body = stack.client(stack.partner).get(f"/processing/{key.data_id}").get_json()
    assert body[1]["data"]["details"]["age_group"] == "adult"
    assert all("sealed_details" not in e["data"] and "erased" not in e["data"] for e in body)
    assert stack.keys.lookups == 2  # one for the consumer's batch, one for this read


def test_an_erased_records_step_events_show_no_details(stack: Stack) -> None:
    key = stack.keys.create(str(uuid.uuid4()))
    stack.processing.handler(sealed(key, {"name": "Ada", "age": 36}))
    stack.keys.erase(key.data_id)
    response = stack.client(stack.partner).get(f"/processing/{key.data_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert [e["data"]["step"] for e in body] == ["normalize", "enrich", "fingerprint", "quality"]
    assert all(e["data"]["details"] is None and e["data"]["erased"] is True for e in body)
    assert "sealed_details" not in response.get_data(as_text=True)


def test_a_plain_legacy_record_is_read_without_a_key(stack: Stack) -> None:
    event = ingested({"name": "Ada", "age": 36})
    stack.processing.handler(event)
    body = stack.client(stack.partner).get(f"/processing/{event.data_id}").get_json()
    assert body[1]["data"]["details"]["age_group"] == "adult" and stack.keys.lookups == 0


def test_a_key_store_outage_is_a_503(tmp_path: Path) -> None:
    stack = Stack(tmp_path)
    key = stack.keys.create(str(uuid.uuid4()))
    stack.processing.handler(sealed(key, {"name": "Ada"}))
    down = bootstrap(stack.settings, uow_factory=stack.uow_factory, keys=Unreachable())
    response = (
        create_app(stack.settings, down)
        .test_client()
        .get(f"/processing/{key.data_id}", headers={"Authorization": f"Bearer {stack.admin}"})
    )
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
