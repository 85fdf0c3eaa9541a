"""PostgreSQL round-trips through eventkit's engine, and each service's database is its own."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from eventkit.postgres.engine import make_engine, postgres_check
from tests.stack import StackEndpoints


def test_write_then_read_back(stack: StackEndpoints) -> None:
    engine = make_engine(stack.ingestion_db_url, pool_size=1)
    table = f"roundtrip_{uuid.uuid4().hex[:8]}"
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE {table} (id uuid PRIMARY KEY, body jsonb NOT NULL)"))
            conn.execute(
                text(f"INSERT INTO {table} VALUES (:id, CAST(:body AS jsonb))"),
                {"id": str(uuid.uuid4()), "body": '{"name": "Ada"}'},
            )
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT body->>'name' FROM {table}")).scalar_one() == "Ada"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()


def test_readiness_check_names_the_database(stack: StackEndpoints) -> None:
    engine = make_engine(stack.processing_db_url, pool_size=1)
    assert postgres_check(engine)() == "database processing answers"
    engine.dispose()


def test_a_service_role_cannot_open_another_services_database(stack: StackEndpoints) -> None:
    # ingestion's role and password, processing's database
    foreign = stack.ingestion_db_url.rsplit("/", 1)[0] + "/processing"
    engine = make_engine(foreign, pool_size=1)
    with pytest.raises(OperationalError, match="permission denied"):
        engine.connect()
    engine.dispose()
