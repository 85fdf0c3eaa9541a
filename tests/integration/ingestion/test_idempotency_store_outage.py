"""A lost PostgreSQL connection while handling an Idempotency-Key is the store being unavailable (503)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from eventkit.eventstore.errors import StoreUnavailable
from ingestion_svc.adapters.postgres.idempotency import PostgresIdempotencyStore
from ingestion_svc.application.ports import StoredOutcome
from tests.ingestion_db import migrated_ingestion_engine
from tests.stack import StackEndpoints


def test_a_connection_killed_under_the_idempotency_store_raises_store_unavailable(
    stack: StackEndpoints,
) -> None:
    with migrated_ingestion_engine(stack.ingestion_db_url, pool_size=2) as engine:
        calls: tuple[Callable[[PostgresIdempotencyStore], object], ...] = (
            lambda store: store.claim("caller", "key"),
            lambda store: store.save("caller", "key", StoredOutcome("hash", {"id": "x"})),
        )
        for call in calls:
            with engine.connect() as victim, engine.connect() as killer:
                pid = victim.execute(text("SELECT pg_backend_pid()")).scalar_one()
                victim.rollback()
                killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                with pytest.raises(StoreUnavailable):
                    call(PostgresIdempotencyStore(victim))
