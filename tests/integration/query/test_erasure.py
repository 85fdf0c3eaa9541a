"""Erasure on the real MongoDB-compatible server: sealed events opened by the consumer's path, then DataErased
leaves no timeline slot or view document of the record holding the payload's bytes, and the API answers the
erased record without them."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.collection import Collection

from contracts import IntegrationEvent
from eventkit.sealing.keys import CachedDataKeys, MemoryKeyStore
from query_svc.adapters.mongo.timeline import MongoTimeline
from query_svc.adapters.pulsar.consumers import TopicProjection
from query_svc.application.opening import EntryOpener
from query_svc.bootstrap import Query
from tests.api_keys import TestKeys
from tests.integration.query.conftest import ClientFactory
from tests.unit.query.events import entry, erased, sealed_ingested, sealed_processed, validated

SECRET = "Zoltan Quimby-Marchetti"  # in the payload; processing's result and step details quote it too
RESULT_SECRET = "ADA LOVELACE"


def _needles() -> list[bytes]:
    words = [SECRET.encode(), RESULT_SECRET.encode(), b"Ada Lovelace", b"too young"]
    return [
        *words,
        *(base64.b64encode(w) for w in words),
        *(w.hex().encode() for w in words),
    ]


class Pipeline:
    """The query consumer's path for one test: events opened with data keys, then applied in a batch."""

    def __init__(self, query: Query) -> None:
        self.store = MemoryKeyStore()
        self._handle = TopicProjection(
            query.projector,
            EntryOpener(CachedDataKeys(self.store.lookup)),
            query.checkpoints_for("erasure-test")("data-ingested"),
            "data-ingested",
        ).handle_batch

    def deliver(self, *events: IntegrationEvent) -> None:
        self._handle(list(events))


@pytest.fixture
def pipeline(query: Query) -> Pipeline:
    return Pipeline(query)


def _lived(pipeline: Pipeline) -> str:
    key = pipeline.store.create(str(uuid.uuid4()))
    pipeline.deliver(
        sealed_ingested(key, 1, {"name": SECRET, "age": 12}, 0),
        validated(key.data_id, 1, False, 1),  # its message: "too young"
        sealed_processed(key, 1, 2),
    )
    pipeline.deliver(sealed_ingested(key, 2, {"name": SECRET, "age": 30}, 10))
    return key.data_id


def _raw(collection: Collection[dict[str, Any]]) -> Collection[RawBSONDocument]:
    return collection.with_options(codec_options=CodecOptions(document_class=RawBSONDocument))


def _stored_bytes(query: Query, data_id: str) -> list[bytes]:
    """Every timeline slot and the view document of the record, as the server stores them (BSON)."""
    generation = query.generations.read_active()
    slots = _raw(query.generations.events(generation)).find({"data_id": data_id})
    view = _raw(query.generations.records(generation)).find({"_id": data_id})
    return [doc.raw for doc in [*slots, *view]]


def _holding_payload(documents: list[bytes]) -> list[bytes]:
    return [needle for needle in _needles() if any(needle in doc for doc in documents)]


def test_sealed_events_are_opened_into_a_plain_view_while_the_record_lives(
    query: Query, pipeline: Pipeline, client_for: ClientFactory, keys: TestKeys
) -> None:
    data_id = _lived(pipeline)
    client = client_for(keys.partner)
    body = client.get(f"/query/{data_id}").get_json()
    assert (body["version"], body["payload"]["name"]) == (2, SECRET)
    found = client.get("/query/all", query_string={"filter": json.dumps({"payload.name": SECRET})}).get_json()
    assert [item["id"] for item in found] == [data_id]
    assert _holding_payload(_stored_bytes(query, data_id))  # what the erasure test looks for is there


def test_after_data_erased_no_slot_or_view_of_the_record_holds_the_payload(
    query: Query, pipeline: Pipeline
) -> None:
    data_id = _lived(pipeline)
    slots_before = len(query.generations.events(query.generations.read_active()).distinct("_id"))
    pipeline.store.erase(data_id)
    pipeline.deliver(erased(data_id, 2, 20))
    stored = _stored_bytes(query, data_id)
    assert len(stored) == 6  # five slots and the view
    assert _holding_payload(stored) == []
    assert len(query.generations.events(query.generations.read_active()).distinct("_id")) == slots_before + 1


def test_the_api_answers_the_erased_record_without_payload_at_any_moment(
    query: Query, pipeline: Pipeline, client_for: ClientFactory, keys: TestKeys
) -> None:
    data_id = _lived(pipeline)
    pipeline.store.erase(data_id)
    pipeline.deliver(erased(data_id, 2, 20))
    client = client_for(keys.partner)
    record = client.get(f"/query/{data_id}")
    assert record.status_code == 200
    body = record.get_json()
    assert (body["status"], body["payload"], body["version"]) == ("erased", None, 2)
    assert body["erased_at"] == "2026-01-01T12:00:20.000000Z"
    history = client.get(f"/query/{data_id}/history").get_json()
    assert [h["event_type"] for h in history][-1] == "DataErased" and len(history) == 5
    before = client.get(f"/query/{data_id}?as_of=2026-01-01T12:00:05Z").get_json()
    assert before["payload"] is None and before["processing"]["result"] is None
    answers = json.dumps([body, history, before]).encode()
    assert [needle for needle in _needles() if needle in answers] == []


def test_lists_find_an_erased_record_by_status_and_never_by_a_payload_filter(
    pipeline: Pipeline, client_for: ClientFactory, keys: TestKeys
) -> None:
    data_id, living = _lived(pipeline), _lived(pipeline)
    pipeline.store.erase(data_id)
    pipeline.deliver(erased(data_id, 2, 20))
    client = client_for(keys.partner)

    def ids(**params: str) -> list[str]:
        answer = client.get("/query/all", query_string=params)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return sorted(item["id"] for item in answer.get_json())

    assert ids(status="erased") == [data_id]
    assert ids(**{"payload.name__exists": "false"}) == []
    assert ids(filter=json.dumps({"payload.name": None})) == []
    assert ids(filter=json.dumps({"$nor": [{"payload.name": SECRET}]})) == []
    assert ids(filter=json.dumps({"payload.name": SECRET})) == [living]


def test_a_sealed_event_whose_key_is_gone_is_projected_erased(
    query: Query, pipeline: Pipeline, client_for: ClientFactory, keys: TestKeys
) -> None:
    # What a rebuild meets: the record's sealed events, read back after its key was destroyed.
    key = pipeline.store.create(str(uuid.uuid4()))
    events = [sealed_ingested(key, 1, {"name": SECRET}, 0), sealed_processed(key, 1, 2)]
    pipeline.store.erase(key.data_id)
    pipeline.deliver(*events)
    body = client_for(keys.partner).get(f"/query/{key.data_id}").get_json()
    assert (body["status"], body["payload"], body["erased_at"]) == ("erased", None, None)
    assert _holding_payload(_stored_bytes(query, key.data_id)) == []


def test_history_and_as_of_hide_the_payload_in_the_moment_before_the_slots_are_scrubbed(
    query: Query, pipeline: Pipeline, client_for: ClientFactory, keys: TestKeys
) -> None:
    data_id = _lived(pipeline)
    # The DataErased slot taken, the process stopped before scrubbing: the earlier slots are still plain.
    timeline = MongoTimeline(query.generations.events(query.generations.read_active()))
    assert timeline.append(data_id, 4, entry(erased(data_id, 2, 20)))
    assert _holding_payload(_stored_bytes(query, data_id))
    client = client_for(keys.partner)
    history = client.get(f"/query/{data_id}/history").get_json()
    before = client.get(f"/query/{data_id}?as_of=2026-01-01T12:00:05Z").get_json()
    answers = json.dumps([history, before]).encode()
    assert len(history) == 5 and [needle for needle in _needles() if needle in answers] == []
