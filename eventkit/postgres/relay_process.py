"""Runs an outbox relay as a process of its own: `python -m <service> relay`, until SIGTERM."""

from __future__ import annotations

from contextlib import closing
from datetime import timedelta
from typing import Protocol

from eventkit.postgres.engine import make_engine
from eventkit.postgres.relay import PostgresOutboxRelay
from eventkit.pulsar.publisher import PulsarPublisher
from eventkit.pulsar.workers import worker
from eventkit.settings import RuntimeSettings


class RelaySettings(Protocol):
    """What a relay process reads of its service's settings."""

    @property
    def runtime(self) -> RuntimeSettings: ...

    @property
    def database_url(self) -> str: ...

    @property
    def outbox_retention_s(self) -> int: ...


def run_outbox_relay(settings: RelaySettings, *, producer_name: str, lock_key: int) -> None:
    """Relays the database's outbox to Pulsar (one active relay per database, others stand by).

    Published rows are kept for `outbox_retention_s`, then purged; the broker is the one `runtime` names.
    """
    retention = timedelta(seconds=settings.outbox_retention_s)
    engine = make_engine(settings.database_url, pool_size=2)
    try:
        with (
            worker(settings.runtime) as (stop, client),
            closing(PulsarPublisher(client, producer_name)) as publisher,
        ):
            PostgresOutboxRelay(engine, publisher, lock_key=lock_key, retention=retention).run(stop)
    finally:
        engine.dispose()
