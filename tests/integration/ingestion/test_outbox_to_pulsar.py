"""A committed ingest reaches Pulsar through the outbox: keyed, in order, once — even across a relay crash."""

from __future__ import annotations

from collections.abc import Sequence

import pulsar
import pytest

import contracts
from eventkit.messaging import OutboundMessage, Publisher
from eventkit.sealing.events import ingested_payload
from eventkit.sealing.keys import KeyLookup
from ingestion_svc.application.commands import AmendRecord, IngestRecord, RequestContext
from tests.helpers import read_all, wait_until
from tests.integration.ingestion.conftest import Pipeline, RelayThread


def ctx(correlation_id: str = "corr-it") -> RequestContext:
    return RequestContext(correlation_id, "caller")


def test_committed_records_reach_pulsar_with_key_properties_and_order(
    pipeline: Pipeline, client: pulsar.Client
) -> None:
    handler = pipeline.handler
    receipts = [handler.ingest(IngestRecord("partner123", {"n": n}), ctx(f"c{n}")).receipt for n in range(5)]
    pipeline.handler.amend(AmendRecord(receipts[0].id, {"n": 100}), ctx("c-amend"))
    with RelayThread(pipeline.relay(client)):
        wait_until(lambda: len(read_all(client, pipeline.topic)) == 6, what="6 messages on the topic")
    messages = read_all(client, pipeline.topic)
    events = [contracts.decode(m.data()) for m in messages]
    assert [m.partition_key() for m in messages] == [e.data_id for e in events]
    expected = [(r.id, 1) for r in receipts] + [(receipts[0].id, 2)]
    assert [(e.data_id, e.record_version) for e in events] == expected
    properties = {"event_type": "DataIngested", "schema_version": "2", "correlation_id": "c0"}
    assert messages[0].properties() == properties
    keys = pipeline.queries.data_keys([receipts[0].id]).keys
    assert events[-1].data.payload is None  # type: ignore[union-attr]
    assert ingested_payload(events[-1], KeyLookup(keys)) == {"n": 100}


class CrashAfterPublish:
    """Publishes, then fails as a relay killed before it could mark the rows published."""

    def __init__(self, inner: Publisher) -> None:
        self.inner = inner

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        self.inner.publish(messages)
        raise KeyboardInterrupt("relay killed between publish and mark-published")

    def close(self) -> None:
        self.inner.close()


def test_a_relay_killed_between_publish_and_mark_published_still_delivers_each_event_once(
    pipeline: Pipeline, client: pulsar.Client
) -> None:
    for n in range(4):
        pipeline.handler.ingest(IngestRecord("partner123", {"n": n}), ctx())
    killed: list[CrashAfterPublish] = []

    def crash_after_publish(publisher: Publisher) -> Publisher:
        killed.append(CrashAfterPublish(publisher))
        return killed[-1]

    crashing = pipeline.relay(client, wrap=crash_after_publish)
    with pytest.raises(KeyboardInterrupt):
        crashing.relay_once()
    assert crashing.backlog() == 4, "rows must still be unpublished after the crash"
    killed[0].close()  # a killed process's producer connection is gone with it
    fresh_client = pipeline.stack.pulsar_client()
    try:
        assert pipeline.relay(fresh_client).relay_once() == 4  # the same positions are sent again...
    finally:
        fresh_client.close()
    messages = read_all(client, pipeline.topic)  # ...and the broker's deduplication kept one copy
    assert len(messages) == 4
    assert len({contracts.decode(m.data()).event_id for m in messages}) == 4
