"""Processing throughput (records/s) with one and two consumers, beside raw PostgreSQL multi-row INSERT speed.

Run against the local stack: `.venv/bin/python -m bench.processing_throughput [--records N]`. Each
scenario gets a throwaway schema and fresh topics; the input is published first, then the consumers are
timed from start until every record's inbox mark is committed (DataProcessed is in the outbox by then).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg2
import pulsar
import requests
from psycopg2.extras import execute_values
from sqlalchemy import Engine, func, select

from contracts import DataIngested, content_hash, encode, new_event
from eventkit.postgres.engine import make_engine
from eventkit.postgres.schema import inbox
from eventkit.postgres.testing import temporary_schema
from eventkit.pulsar.client import make_client
from eventkit.pulsar.consumer import EventConsumer
from processing_svc.adapters.postgres.migrate import migrate_processing
from processing_svc.adapters.postgres.unit_of_work import ProcessingPostgresUnitOfWork
from processing_svc.application.handler import ProcessRecord
from processing_svc.domain.pipeline import Pipeline, default_steps
from processing_svc.domain.steps.quality import ExpectedFields

DATABASE_URL = "postgresql://processing:processing@127.0.0.1:5432/processing"
PULSAR_URL = "pulsar://127.0.0.1:6650"
ADMIN_URL = "http://127.0.0.1:8080/admin/v2/persistent/public/default"
NAMESPACE = "persistent://public/default"
COLUMNS = "(stream_id, version, event_id, event_type, data, metadata, occurred_at)"


@contextmanager
def _schema_engine() -> Iterator[tuple[str, Engine]]:
    with temporary_schema(DATABASE_URL, prefix="bench_processing") as schema:
        engine = make_engine(DATABASE_URL, search_path=schema, pool_size=4)
        migrate_processing(engine)
        try:
            yield schema, engine
        finally:
            engine.dispose()


def _publish(client: pulsar.Client, topic: str, records: int) -> None:
    producer = client.create_producer(topic, producer_name=f"bench-feed-{uuid.uuid4().hex[:10]}")
    for n in range(records):
        payload = {"name": f"  Person {n % 500} ", "age": n % 90, "email": f"p{n}@example.org"}
        event = new_event(
            "DataIngested",
            data_id=uuid.uuid4(),
            partner_id=f"partner{n % 3}",
            record_version=1,
            data=DataIngested(payload, datetime.now(UTC), content_hash(payload)),
            producer="bench",
            correlation_id="bench",
        )
        producer.send_async(encode(event), None, partition_key=event.data_id)
    producer.flush()
    producer.close()


def _handled(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(inbox)).scalar_one())


def processing_rate(client: pulsar.Client, records: int, consumers: int) -> float:
    """Returns records/s for `consumers` consumer threads draining `records` pre-published events."""
    suffix = uuid.uuid4().hex[:10]
    topic = f"{NAMESPACE}/bench-p-in-{suffix}"
    try:
        with _schema_engine() as (_, engine):
            _publish(client, topic, records)
            pipeline = Pipeline(default_steps(ExpectedFields(("name", "email", "age"))))
            handler = ProcessRecord(lambda: ProcessingPostgresUnitOfWork(engine), pipeline, f"{topic}-out")
            loops = [EventConsumer(client, topic, f"bench-{suffix}", handler) for _ in range(consumers)]
            stop = threading.Event()
            threads = [threading.Thread(target=loop.run, args=(stop,)) for loop in loops]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            while _handled(engine) < records and time.monotonic() - started < 300:
                time.sleep(0.05)
            elapsed = time.monotonic() - started
            stop.set()
            for thread in threads:
                thread.join(30)
            return _handled(engine) / elapsed
    finally:
        for name in (f"bench-p-in-{suffix}", f"bench-p-in-{suffix}-bench-{suffix}-DLQ"):
            requests.delete(f"{ADMIN_URL}/{name}", params={"force": "true"}, timeout=10)


def raw_insert_rate(seconds: float, batch: int) -> float:
    """Returns rows/s of one connection committing `batch`-row INSERTs into an events-shaped table."""
    with _schema_engine() as (schema, _):
        connection = psycopg2.connect(DATABASE_URL, options=f"-c search_path={schema}")
        data = json.dumps({"step": "normalize", "details": {"changed": True}})
        rows = 0
        started = time.monotonic()
        try:
            while time.monotonic() - started < seconds:
                values = [
                    (str(uuid.uuid4()), 1, str(uuid.uuid4()), "StepSucceeded", data, "{}")
                    for _ in range(batch)
                ]
                with connection, connection.cursor() as cursor:
                    execute_values(
                        cursor,
                        f"INSERT INTO events {COLUMNS} VALUES %s",
                        values,
                        template="(%s, %s, %s, %s, %s, %s, now())",
                    )
                rows += batch
            return rows / (time.monotonic() - started)
        finally:
            connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of the raw INSERT run")
    args = parser.parse_args()
    client = make_client(PULSAR_URL)
    try:
        figures = [
            ("processing, 1 consumer", processing_rate(client, args.records, 1), "records/s"),
            ("processing, 2 consumers", processing_rate(client, args.records, 2), "records/s"),
            ("raw multi-row INSERT (1000/txn)", raw_insert_rate(args.seconds, 1000), "rows/s"),
            ("raw multi-row INSERT (4 rows/txn)", raw_insert_rate(args.seconds, 4), "rows/s"),
        ]
    finally:
        client.close()
    print(f"{'scenario':<36} {'rate':>10}  unit  ({args.records} records, one process)")
    for name, rate, unit in figures:
        print(f"{name:<36} {rate:>10,.0f}  {unit}")


if __name__ == "__main__":
    main()
