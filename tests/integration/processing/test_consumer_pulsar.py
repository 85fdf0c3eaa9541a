"""Consumer, handler and relay on the real broker and database: data-ingested in, data-processed out."""

from __future__ import annotations

import uuid

import pulsar
from sqlalchemy import select

from contracts import DataProcessed, IntegrationEvent, dead_letter_topic, decode
from eventkit.postgres.schema import events
from tests.helpers import read_all, wait_until
from tests.integration.processing.conftest import Processing, publish, running
from tests.unit.processing.support import ingested


def processed(client: pulsar.Client, processing: Processing) -> list[IntegrationEvent]:
    return [decode(message.data()) for message in read_all(client, processing.out_topic)]


def test_records_flow_through_and_a_poison_message_is_dead_lettered(
    client: pulsar.Client, processing: Processing
) -> None:
    records = [ingested({"name": f"Record {n}", "age": 20 + n}) for n in range(5)]
    bad_data = ingested({"name": "Too old", "age": 999})
    publish(client, processing.in_topic, [b"{not an event", *records, bad_data], key=records[0].data_id)
    dead_letters = dead_letter_topic(processing.in_topic, f"processing-{processing.suffix}")
    with running(processing.consumer(client).run, processing.relay(client).run):
        # The poison message, first in line and under a real record's key, does not hold the others back.
        wait_until(lambda: len(processed(client, processing)) == 6, timeout_s=30, what="six DataProcessed")
        wait_until(lambda: len(read_all(client, dead_letters)) == 1, timeout_s=30, what="the dead letter")
    out = {e.data_id: e.data for e in processed(client, processing) if isinstance(e.data, DataProcessed)}
    assert len(out) == 6
    assert {out[r.data_id].status for r in records} == {"processed"}
    failed = out[bad_data.data_id]
    assert failed.status == "failed"
    assert failed.result == {"step": "enrich", "reason": "age must be a number from 0 to 150, got 999"}
    assert [message.data() for message in read_all(client, dead_letters)] == [b"{not an event"]


def test_two_consumers_keep_each_records_order(client: pulsar.Client, processing: Processing) -> None:
    ids = [str(uuid.uuid4()) for _ in range(10)]
    versions = [
        ingested({"name": f"{data_id} v{v}"}, data_id=data_id, version=v)
        for v in (1, 2, 3)
        for data_id in ids
    ]
    publish(client, processing.in_topic, list(versions))
    with running(processing.consumer(client, "a").run, processing.consumer(client, "b").run):
        wait_until(
            lambda: _stored_versions(processing) == 30 * 4, timeout_s=30, what="every version processed"
        )
    with processing.engine.connect() as connection:
        rows = connection.execute(
            select(events.c.stream_id, events.c.data).order_by(events.c.stream_id, events.c.version)
        )
        by_record: dict[str, list[int]] = {}
        for row in rows:
            by_record.setdefault(row.stream_id, []).append(int(row.data["record_version"]))
    assert by_record == {data_id: [1] * 4 + [2] * 4 + [3] * 4 for data_id in ids}


def _stored_versions(processing: Processing) -> int:
    with processing.engine.connect() as connection:
        return len(connection.execute(select(events.c.position)).all())
