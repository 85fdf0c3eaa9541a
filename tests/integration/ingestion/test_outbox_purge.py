"""The outbox stays bounded: the relay purges what Pulsar confirmed, and never a row it has not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pulsar
from sqlalchemy import text

import contracts
from eventkit.messaging import OutboundMessage, PublishError
from ingestion_svc.application.commands import IngestRecord, RequestContext
from tests.helpers import read_all, wait_until
from tests.integration.ingestion.conftest import Pipeline, RelayThread

RECORDS = 10_000
BATCH = 1000  # the most one POST /ingest/batch takes


class UnreachableBroker:
    """Stands for Pulsar being down: every send fails, as the real publisher reports a timeout."""

    def publish(self, messages: Sequence[OutboundMessage]) -> None:
        raise PublishError("broker unreachable (simulated)")

    def close(self) -> None:
        pass


def _ingest(pipeline: Pipeline, count: int) -> list[str]:
    ids: list[str] = []
    context = RequestContext("corr-purge", "caller")
    for start in range(0, count, BATCH):
        commands = [IngestRecord("partner123", {"n": n}) for n in range(start, min(start + BATCH, count))]
        outcome = pipeline.handler.ingest_batch(commands, context)
        ids += [receipt.id for receipt in outcome.receipts]
    return ids


def _outbox_rows(pipeline: Pipeline) -> tuple[int, int]:
    """Returns (rows, unpublished rows) of the outbox."""
    query = text("SELECT count(*), count(*) FILTER (WHERE published_at IS NULL) FROM outbox")
    with pipeline.engine.connect() as connection:
        rows, unpublished = connection.execute(query).one()
    return int(rows), int(unpublished)


def test_relaying_ten_thousand_records_leaves_an_empty_outbox_and_each_event_on_pulsar_once(
    pipeline: Pipeline, client: pulsar.Client
) -> None:
    ids = _ingest(pipeline, RECORDS)
    assert _outbox_rows(pipeline) == (RECORDS, RECORDS)
    with RelayThread(pipeline.relay(client, retention=timedelta(0))):
        wait_until(lambda: _outbox_rows(pipeline) == (0, 0), timeout_s=120, what="the outbox purged")
    events = [contracts.decode(m.data()) for m in read_all(client, pipeline.topic)]
    assert [e.data_id for e in events] == ids  # each once, in commit order
    assert len({e.event_id for e in events}) == RECORDS


def test_published_rows_stay_for_the_retention_and_go_after_it(
    pipeline: Pipeline, client: pulsar.Client
) -> None:
    _ingest(pipeline, 3)
    kept = pipeline.relay(client, retention=timedelta(hours=1))
    assert kept.relay_once() == 3
    assert kept.purge_published() == 0
    assert _outbox_rows(pipeline) == (3, 0)
    assert pipeline.relay(client, retention=timedelta(0)).purge_published() == 3
    assert _outbox_rows(pipeline) == (0, 0)


def test_an_unpublished_row_is_never_purged_while_pulsar_is_down_or_no_relay_runs(
    pipeline: Pipeline, client: pulsar.Client
) -> None:
    ids = _ingest(pipeline, 5)
    failing = pipeline.relay(client, wrap=lambda publisher: UnreachableBroker(), retention=timedelta(0))
    with RelayThread(failing):  # numbers the rows, fails every send, and purges between tries
        wait_until(lambda: failing.backlog() == 5 and _numbered(pipeline) == 5, what="the rows numbered")
        assert _outbox_rows(pipeline) == (5, 5)
    assert failing.purge_published() == 0
    assert _outbox_rows(pipeline) == (5, 5)
    with RelayThread(pipeline.relay(client, retention=timedelta(0))):
        wait_until(lambda: _outbox_rows(pipeline) == (0, 0), what="the outbox published and purged")
    assert [contracts.decode(m.data()).data_id for m in read_all(client, pipeline.topic)] == ids


def _numbered(pipeline: Pipeline) -> int:
    with pipeline.engine.connect() as connection:
        query = text("SELECT count(*) FROM outbox WHERE position IS NOT NULL")
        return int(connection.execute(query).scalar_one())
