"""The handler on real PostgreSQL: one transaction per event or batch, redelivery a no-op, races settled by the store."""

from __future__ import annotations

import threading
from typing import Any, Self

import pytest
from sqlalchemy import func, select

from eventkit.eventstore.errors import ConcurrencyConflict, StoreUnavailable
from eventkit.postgres.engine import make_engine
from eventkit.postgres.schema import events, inbox, outbox
from processing_svc.adapters.postgres.duplicates import fingerprints
from processing_svc.adapters.postgres.unit_of_work import PostgresProcessingUnitOfWork
from tests.integration.processing.conftest import Processing
from tests.unit.processing.support import ingested, mixed_deliveries


def counts(processing: Processing) -> dict[str, int]:
    with processing.engine.connect() as connection:
        return {
            table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for table in (events, outbox, inbox, fingerprints)
        }


def test_steps_inbox_claim_and_outbox_are_written_together(processing: Processing) -> None:
    processing.handler()(ingested({"name": "Ada"}))
    assert counts(processing) == {"events": 4, "outbox": 1, "inbox": 1, "fingerprints": 1}


def test_a_redelivery_is_a_no_op(processing: Processing) -> None:
    event = ingested({"name": "Ada"})
    handler = processing.handler()
    handler(event)
    handler(event)
    assert counts(processing) == {"events": 4, "outbox": 1, "inbox": 1, "fingerprints": 1}


class _CrashingOutbox:
    def add(self, messages: Any) -> None:
        raise RuntimeError("killed after the step events were appended")


class CrashBeforeCommit(PostgresProcessingUnitOfWork):
    """Appends step events and claims, then fails before the outbox: the whole transaction must go."""

    def __enter__(self) -> Self:
        super().__enter__()
        self.outbox = _CrashingOutbox()
        return self


def test_a_transaction_broken_mid_way_leaves_nothing_and_a_retry_processes_once(
    processing: Processing,
) -> None:
    event = ingested({"name": "Ada"})
    with pytest.raises(RuntimeError, match="killed"):
        processing.handler(lambda: CrashBeforeCommit(processing.engine))(event)
    assert counts(processing) == {"events": 0, "outbox": 0, "inbox": 0, "fingerprints": 0}
    processing.handler()(event)
    assert counts(processing) == {"events": 4, "outbox": 1, "inbox": 1, "fingerprints": 1}


def test_a_database_outage_raises_instead_of_reporting_failed_data(processing: Processing) -> None:
    engine = make_engine("postgresql://processing:processing@127.0.0.1:1/processing", pool_size=1)
    try:
        with pytest.raises(StoreUnavailable):
            processing.handler(lambda: PostgresProcessingUnitOfWork(engine))(ingested({"name": "Ada"}))
    finally:
        engine.dispose()


def _concurrently(*calls: Any) -> list[BaseException]:
    """Runs the calls at once, one thread each, and returns what they raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Any) -> None:
        barrier.wait(10)
        try:
            call()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


def test_the_same_event_handled_by_two_consumers_at_once_has_one_effect(processing: Processing) -> None:
    event = ingested({"name": "Ada"})
    assert _concurrently(lambda: processing.handler()(event), lambda: processing.handler()(event)) == []
    assert counts(processing) == {"events": 4, "outbox": 1, "inbox": 1, "fingerprints": 1}


def test_two_duplicates_processed_at_once_agree_on_the_first(processing: Processing) -> None:
    first, second = ingested({"name": "Twin"}), ingested({"name": " Twin "})
    assert _concurrently(lambda: processing.handler()(first), lambda: processing.handler()(second)) == []
    with processing.engine.connect() as connection:
        rows = connection.execute(
            select(events.c.stream_id, events.c.data).where(events.c.data["step"].astext == "fingerprint")
        ).all()
    duplicate_of = {row.stream_id: row.data["details"]["duplicate_of"] for row in rows}
    assert sorted(duplicate_of, key=str) == sorted([first.data_id, second.data_id])
    winners = [data_id for data_id, dup in duplicate_of.items() if dup is None]
    assert len(winners) == 1
    [loser] = set(duplicate_of) - set(winners)
    assert duplicate_of[loser] == winners[0]


def test_two_versions_of_one_record_at_once_are_serialized_by_the_stream(processing: Processing) -> None:
    v1 = ingested({"name": "One"})
    v2 = ingested({"name": "Two"}, data_id=v1.data_id, version=2)
    errors = _concurrently(lambda: processing.handler()(v1), lambda: processing.handler()(v2))
    # The loser of the race (if they did overlap) raises, so the consumer would retry it.
    assert all(isinstance(error, ConcurrencyConflict) for error in errors), errors
    for event in (v1, v2):
        processing.handler()(event)  # the consumer's retry; for the one that committed, a redelivery
    with processing.uow() as uow:
        stored = uow.events.read_stream(v1.data_id)
    assert [e.version for e in stored] == list(range(1, 9))
    assert sorted(e.data["record_version"] for e in stored) == [1] * 4 + [2] * 4
    assert counts(processing) == {"events": 8, "outbox": 2, "inbox": 2, "fingerprints": 2}


def test_duplicates_across_partners_are_not_reported(processing: Processing) -> None:
    handler = processing.handler()
    handler(ingested({"name": "Same"}, partner_id="partner123"))
    handler(ingested({"name": "Same"}, partner_id="partner456"))
    with processing.engine.connect() as connection:
        found = (
            connection.execute(
                select(events.c.data["details"]["duplicate_of"]).where(
                    events.c.data["step"].astext == "fingerprint"
                )
            )
            .scalars()
            .all()
        )
    assert found == [None, None]


def _outcome(processing: Processing) -> tuple[object, ...]:
    with processing.engine.connect() as connection:
        stored = connection.execute(
            select(events.c.stream_id, events.c.version, events.c.event_type, events.c.data).order_by(
                events.c.position
            )
        ).all()
        published = connection.execute(select(outbox.c.message_key).order_by(outbox.c.id)).scalars().all()
        handled = connection.execute(select(inbox.c.event_id).order_by(inbox.c.event_id)).scalars().all()
    return [tuple(row) for row in stored], published, handled


def test_a_batch_writes_what_its_events_one_by_one_write(processing: Processing) -> None:
    deliveries = mixed_deliveries()
    handler = processing.handler()
    for event in deliveries:
        handler(event)
    one_by_one = _outcome(processing)
    with processing.engine.begin() as connection:
        for table in (events, outbox, inbox, fingerprints):
            connection.execute(table.delete())

    handler.handle_batch(deliveries)

    assert _outcome(processing) == one_by_one
    assert counts(processing) == {"events": 24, "outbox": 6, "inbox": 7, "fingerprints": 4}


def test_a_batch_broken_mid_way_leaves_nothing(processing: Processing) -> None:
    with pytest.raises(RuntimeError, match="killed"):
        processing.handler(lambda: CrashBeforeCommit(processing.engine)).handle_batch(mixed_deliveries())
    assert counts(processing) == {"events": 0, "outbox": 0, "inbox": 0, "fingerprints": 0}


def test_overlapping_batches_of_two_consumers_have_each_effect_once(processing: Processing) -> None:
    shared = [ingested({"name": f"r{n}"}) for n in range(20)]
    first = shared[:15]
    second = list(reversed(shared[5:]))
    errors = _concurrently(
        lambda: processing.handler().handle_batch(first), lambda: processing.handler().handle_batch(second)
    )
    for batch in (first, second):  # the consumer's retry of a batch that lost a race
        processing.handler().handle_batch(batch)
    assert all(isinstance(error, ConcurrencyConflict) for error in errors), errors
    assert counts(processing) == {"events": 80, "outbox": 20, "inbox": 20, "fingerprints": 20}
