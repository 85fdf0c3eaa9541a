"""Ingestion's reads on in-memory adapters: a record as it is or was, its audit trail, partner scope."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ingestion_svc.application.commands import AmendRecord, IngestRecord
from ingestion_svc.domain.errors import RecordNotFound
from tests.unit.ingestion.support import World, ctx


def test_unknown_and_other_partners_records_are_not_found(world: World) -> None:
    receipt = world.handler.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    with pytest.raises(RecordNotFound):
        world.queries.get("00000000-0000-0000-0000-000000000000")
    with pytest.raises(RecordNotFound):
        world.queries.get(receipt.id, partner_scope="someone-else")
    with pytest.raises(RecordNotFound):
        world.queries.history(receipt.id, partner_scope="someone-else")


def test_as_of_rebuilds_the_state_at_that_moment(world: World) -> None:
    receipt = world.handler.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    world.handler.amend(AmendRecord(receipt.id, {"n": 2}), ctx())
    assert world.queries.get(receipt.id).payload == {"n": 2}
    assert world.queries.get(receipt.id, as_of=receipt.received_at).payload == {"n": 1}
    with pytest.raises(RecordNotFound):
        world.queries.get(receipt.id, as_of=receipt.received_at - timedelta(microseconds=1))


def test_history_lists_every_event_in_order(world: World) -> None:
    receipt = world.handler.ingest(IngestRecord("p", {"n": 1}), ctx()).receipt
    world.handler.amend(AmendRecord(receipt.id, {"n": 2}), ctx())
    assert [(e.event_type, e.version) for e in world.queries.history(receipt.id)] == [
        ("DataReceived", 1),
        ("DataAmended", 2),
    ]
