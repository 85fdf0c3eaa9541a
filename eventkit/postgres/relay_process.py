"""Runs an outbox relay as a process of its own: `python -m <service> relay`, until SIGTERM."""

from __future__ import annotations

from contextlib import closing
from datetime import timedelta

from eventkit.postgres.engine import make_engine
from eventkit.postgres.relay import OutboxRelay
from eventkit.pulsar.publisher import PulsarPublisher
from eventkit.pulsar.workers import worker
from eventkit.settings import RuntimeSettings


def run_outbox_relay(
    database_url: str,
    runtime: RuntimeSettings,
    *,
    producer_name: str,
    lock_key: int,
    retention: timedelta,
) -> None:
    """Relays the database's outbox to Pulsar (one active relay per database, others stand by).

    Published rows are kept for `retention`, then purged; the broker is the one `runtime` names.
    """
    engine = make_engine(database_url, pool_size=2)
    try:
        with worker(runtime) as (stop, client), closing(PulsarPublisher(client, producer_name)) as publisher:
            OutboxRelay(engine, publisher, lock_key=lock_key, retention=retention).run(stop)
    finally:
        engine.dispose()
