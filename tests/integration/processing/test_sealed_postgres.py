"""Sealed records through the handler on real PostgreSQL: the stored step events and the outbox hold no
plain details, and a DataErased deletes the record's fingerprints in the transaction that marks it handled."""

from __future__ import annotations

import uuid

from sqlalchemy import Text, select

from eventkit.postgres.schema import events, inbox, outbox
from eventkit.sealing.keys import MemoryKeyStore
from processing_svc.adapters.postgres.duplicates import fingerprints
from tests.integration.processing.conftest import Processing
from tests.lifecycle_events import erased, sealed
from tests.unit.processing.support import ingested

SECRET = {"name": "Quentin Secretname", "age": 77, "attributes": {"diagnosis": "positive"}}
BITS = ("Quentin", "Secretname", "diagnosis", "positive", "senior")


def _fingerprint_holders(processing: Processing) -> list[str]:
    with processing.engine.connect() as connection:
        return sorted(connection.execute(select(fingerprints.c.data_id)).scalars())


def test_stored_step_events_and_outbox_hold_no_plain_details(processing: Processing) -> None:
    store = MemoryKeyStore()
    key = store.create(str(uuid.uuid4()))
    processing.handler(keys=store).handle_batch([sealed(key, SECRET), sealed(key, {"name": "Q"}, version=2)])
    with processing.engine.connect() as connection:
        rows = (
            connection.execute(select(events.c.data).where(events.c.stream_id == key.data_id)).scalars().all()
        )
        published = connection.execute(select(outbox.c.payload)).scalars().all()
        raw = connection.execute(select(events.c.data.cast(Text))).scalars().all()
    assert len(rows) == 8 and all("details" not in data and data["sealed_details"] for data in rows)
    assert [data["record_version"] for data in rows] == [1, 1, 1, 1, 2, 2, 2, 2]
    text = "\n".join(raw) + "\n".join(bytes(p).decode() for p in published)
    assert [bit for bit in BITS if bit in text] == []


def test_data_erased_deletes_the_records_fingerprints_and_is_marked_handled(processing: Processing) -> None:
    store = MemoryKeyStore()
    key = store.create(str(uuid.uuid4()))
    other = ingested({"name": "Bo"})
    handler = processing.handler(keys=store)
    handler.handle_batch([sealed(key, SECRET), sealed(key, {"name": "Q"}, version=2), other])
    assert _fingerprint_holders(processing) == sorted([key.data_id, key.data_id, other.data_id])
    store.erase(key.data_id)
    erasure = erased(key.data_id, version=2)
    handler(erasure)
    assert _fingerprint_holders(processing) == [other.data_id]
    with processing.engine.connect() as connection:
        handled = connection.execute(select(inbox.c.event_id)).scalars().all()
    assert erasure.event_id in handled
    handler(erasure)  # a redelivery is a no-op
    assert _fingerprint_holders(processing) == [other.data_id]
