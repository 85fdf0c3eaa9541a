"""The outbox relay's cycle: commit order, consecutive sequence ids, gap safety, crashes, outages, purging."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine, text

from eventkit.messaging import OutboundMessage, PublishError
from eventkit.postgres.relay import PostgresOutboxRelay
from eventkit.postgres.unit_of_work import PostgresUnitOfWork
from tests.integration.postgres.support import (
    CrashAfterPublish,
    DedupingBroker,
    RelayCrashed,
    random_lock_key,
)

TOPIC = "persistent://public/default/data-ingested"


def _message(key: str = "record") -> OutboundMessage:
    return OutboundMessage(TOPIC, key, b'{"v": 1}', str(uuid.uuid4()), {"event_type": "DataIngested"})


def _commit(engine: Engine, messages: Sequence[OutboundMessage]) -> None:
    with PostgresUnitOfWork(engine) as uow:
        uow.outbox.add(messages)
        uow.commit()


def _relay(
    engine: Engine,
    broker: DedupingBroker,
    *,
    batch_size: int = 500,
    retention: timedelta = timedelta(seconds=60),
    purge_batch: int = 5000,
) -> PostgresOutboxRelay:
    return PostgresOutboxRelay(
        engine,
        broker,
        batch_size=batch_size,
        lock_key=random_lock_key(),
        retention=retention,
        purge_batch=purge_batch,
    )


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def _unpublished(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(text("SELECT count(*) FROM outbox WHERE published_at IS NULL")).scalar_one()
        )


def test_a_cycle_publishes_in_commit_order_with_sequence_ids_from_one_and_marks_them(engine: Engine) -> None:
    messages = [_message(f"r{n}") for n in range(5)]
    _commit(engine, messages[:2])
    _commit(engine, messages[2:3])
    _commit(engine, messages[3:])
    broker = DedupingBroker()
    relay = _relay(engine, broker)
    published_before = _metric("outbox_published_total")
    lags_before = _metric("outbox_publish_lag_seconds_count")

    assert relay.relay_once() == 5

    assert [m.event_id for m in broker.sent] == [m.event_id for m in messages]
    assert broker.sent_sequence_ids() == [1, 2, 3, 4, 5]
    assert [(m.key, m.payload, dict(m.properties)) for m in broker.sent] == [
        (m.key, m.payload, dict(m.properties)) for m in messages
    ]
    assert _unpublished(engine) == 0
    assert relay.backlog() == 0
    assert _metric("outbox_backlog") == 0
    assert _metric("outbox_published_total") - published_before == 5
    assert _metric("outbox_publish_lag_seconds_count") - lags_before == 5
    assert relay.relay_once() == 0
    assert len(broker.sent) == 5


def test_a_backlog_larger_than_a_batch_goes_out_in_consecutive_batches(engine: Engine) -> None:
    messages = [_message() for _ in range(7)]
    _commit(engine, messages)
    broker = DedupingBroker()
    relay = _relay(engine, broker, batch_size=3)

    # A full batch means more may wait, so the backlog is counted; a short one is the whole backlog.
    assert [(relay.relay_once(), _metric("outbox_backlog")) for _ in range(4)] == [
        (3, 4),
        (3, 1),
        (1, 0),
        (0, 0),
    ]
    assert broker.sent_sequence_ids() == [1, 2, 3, 4, 5, 6, 7]
    assert broker.kept_ids() == [m.event_id for m in messages]


def test_a_transaction_that_commits_late_with_a_lower_id_is_published_after_not_skipped(
    engine: Engine,
) -> None:
    late, early = _message("late"), _message("early")
    broker = DedupingBroker()
    relay = _relay(engine, broker)
    with PostgresUnitOfWork(engine) as slow:
        slow.outbox.add([late])  # takes the lower id, then stays uncommitted
        _commit(engine, [early])

        assert relay.relay_once() == 1
        assert broker.kept_ids() == [early.event_id]
        slow.commit()

    assert relay.relay_once() == 1
    assert broker.kept_ids() == [early.event_id, late.event_id]  # the broker did not drop it as a duplicate
    assert broker.sent_sequence_ids() == [1, 2]
    with engine.connect() as connection:
        ids = {
            row.event_id: row.id for row in connection.execute(text("SELECT event_id::text, id FROM outbox"))
        }
    assert ids[late.event_id] < ids[early.event_id]  # the gap really happened


def test_a_relay_killed_after_publishing_re_sends_the_same_sequence_ids_which_the_broker_drops(
    engine: Engine,
) -> None:
    messages = [_message(), _message()]
    _commit(engine, messages)
    broker = CrashAfterPublish()
    with pytest.raises(RelayCrashed):
        _relay(engine, broker).relay_once()
    assert _unpublished(engine) == 2

    restarted = DedupingBroker()
    restarted.sent, restarted.kept = broker.sent, broker.kept  # the same topic, seen by a new process
    assert _relay(engine, restarted).relay_once() == 2

    assert restarted.sent_sequence_ids() == [1, 2, 1, 2]
    assert restarted.kept_ids() == [m.event_id for m in messages]
    assert _unpublished(engine) == 0


def test_a_broker_failure_marks_nothing_and_the_next_cycle_sends_the_same_sequence_ids(
    engine: Engine,
) -> None:
    messages = [_message(), _message()]
    _commit(engine, messages)
    broker = DedupingBroker(failures=1)
    relay = _relay(engine, broker)

    with pytest.raises(PublishError):
        relay.relay_once()
    assert _unpublished(engine) == 2
    assert _metric("outbox_backlog") == 2
    _commit(engine, [_message()])

    assert relay.relay_once() == 3
    assert broker.sent_sequence_ids() == [1, 2, 3]
    assert _metric("outbox_backlog") == 0


def test_purging_deletes_only_messages_published_longer_than_the_retention_ago(engine: Engine) -> None:
    broker = DedupingBroker()
    _commit(engine, [_message(), _message()])
    _relay(engine, broker).relay_once()
    _commit(engine, [_message()])
    purged_before = _metric("outbox_purged_total")

    assert _relay(engine, broker, retention=timedelta(hours=1)).purge_published() == 0
    relay = _relay(engine, broker, retention=timedelta(0))
    assert relay.purge_published() == 2
    assert _metric("outbox_purged_total") - purged_before == 2
    assert _rows(engine) == 1 == _unpublished(engine)
    assert relay.relay_once() == 1
    assert broker.sent_sequence_ids() == [1, 2, 3]  # numbering continues after a purge


def test_a_purge_deletes_at_most_one_batch_oldest_first(engine: Engine) -> None:
    broker = DedupingBroker()
    _commit(engine, [_message() for _ in range(7)])
    relay = _relay(engine, broker, retention=timedelta(0), purge_batch=3)
    relay.relay_once()

    assert [relay.purge_published() for _ in range(4)] == [3, 3, 1, 0]
    assert _rows(engine) == 0


def test_a_row_published_but_not_yet_marked_is_never_purged(engine: Engine) -> None:
    _commit(engine, [_message(), _message()])
    with pytest.raises(RelayCrashed):
        _relay(engine, CrashAfterPublish(), retention=timedelta(0)).relay_once()

    assert _relay(engine, DedupingBroker(), retention=timedelta(0)).purge_published() == 0
    assert _rows(engine) == 2 == _unpublished(engine)


def _rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM outbox")).scalar_one())
