"""Processing throughput with one and two consumer processes, beside raw PostgreSQL multi-row INSERT.

`python -m bench.processing_throughput [--records N] [--runs R] [--seconds S]` against the local stack.
Each run gets a throwaway schema and a fresh topic: N DataIngested are published first, then the consumer
processes (each as `python -m processing_svc consume` builds it: Key_Shared consumer, handler, PostgreSQL
unit of work) drain them. Records/s come from the inbox's own commit times (first to last), so process
start-up is not counted. The baselines, measured in the same run into the same `events` table: one
connection committing 1,000-row multi-row INSERTs (rows/s), and one connection per consumer committing
one 4-row INSERT per transaction, as many rows and commits as processing's step events (transactions/s).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import psycopg2
from psycopg2.extras import execute_values
from sqlalchemy import Engine, text

from bench import broker
from bench.report import Figure, print_table, write_json
from contracts import DataIngested, content_hash, new_event
from eventkit.postgres.engine import make_engine
from eventkit.postgres.testing import temporary_schema
from eventkit.sealing.keys import MemoryKeyStore
from processing_svc.adapters.expected_fields_file import load_expected_fields
from processing_svc.adapters.postgres.migrate import migrate_processing
from processing_svc.adapters.postgres.unit_of_work import PostgresProcessingUnitOfWork
from processing_svc.adapters.pulsar.consumers import SUBSCRIPTION
from processing_svc.application.handler import ProcessRecord
from processing_svc.domain.pipeline import Pipeline, default_steps
from processing_svc.settings import DEFAULT_EXPECTED_FIELDS, Settings
from reliability.settings import stack_environment

NAMESPACE = "persistent://public/default"
COLUMNS = "(stream_id, version, event_id, event_type, data, metadata, occurred_at)"
STEP_DATA = json.dumps({"record_version": 1, "step": "normalize", "details": {"changed": True}})


@contextmanager
def _schema() -> Iterator[tuple[str, Engine]]:
    with temporary_schema(_database_url(), prefix="bench_processing") as schema:
        engine = make_engine(_database_url(), search_path=schema, pool_size=2)
        migrate_processing(engine)
        try:
            yield schema, engine
        finally:
            engine.dispose()


def _database_url() -> str:
    return stack_environment()["PROCESSING_DATABASE_URL"]


def _event(n: int) -> Any:
    # A fifth of the payloads repeat within a partner, so the duplicate index sees both outcomes.
    payload = {"name": f"  Person {n % 800} ", "age": n % 90, "email": f"p{n % 800}@example.org"}
    return new_event(
        "DataIngested",
        data_id=str(uuid.uuid4()),
        partner_id=f"partner{n % 3}",
        record_version=1,
        data=DataIngested(payload, datetime.now(UTC), content_hash(payload)),
        producer="bench",
        correlation_id="bench",
    )


def _consume(topic: str, subscription: str, schema: str, stop: Any) -> None:
    """One consumer process, built as `python -m processing_svc consume` builds it."""
    engine = make_engine(_database_url(), search_path=schema, pool_size=2)
    pipeline = Pipeline(default_steps(load_expected_fields(DEFAULT_EXPECTED_FIELDS)))
    # The bench's records are plain (legacy): no key is asked for.
    handler = ProcessRecord(
        lambda: PostgresProcessingUnitOfWork(engine), pipeline, f"{topic}-out", MemoryKeyStore()
    )
    try:
        delivery = Settings.from_env().delivery
        broker.consume(replace(SUBSCRIPTION, name=subscription), topic, handler, delivery, stop)
    finally:
        engine.dispose()


def _handled(engine: Engine) -> tuple[int, float]:
    """Returns how many records are handled and the seconds from the first commit to the last."""
    with engine.connect() as connection:
        count, span = connection.execute(
            text("SELECT count(*), extract(epoch FROM max(handled_at) - min(handled_at)) FROM inbox")
        ).one()
    return int(count), float(span or 0.0)


def processing_rate(processes: int, records: int) -> float:
    """Returns records/s of `processes` consumer processes draining `records` pre-published events."""
    suffix = uuid.uuid4().hex[:10]
    topic, subscription = f"{NAMESPACE}/bench-p-in-{suffix}", f"bench-{suffix}"
    broker.publish(topic, [_event(n) for n in range(records)])
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    try:
        with _schema() as (schema, engine):
            workers = [
                context.Process(target=_consume, args=(topic, subscription, schema, stop))
                for _ in range(processes)
            ]
            for worker in workers:
                worker.start()
            deadline = time.monotonic() + 600
            while _handled(engine)[0] < records and time.monotonic() < deadline:
                time.sleep(0.2)
            stop.set()
            for worker in workers:
                worker.join(30)
            count, span = _handled(engine)
            return (count - 1) / max(span, 1e-3)
    finally:
        for name in (f"bench-p-in-{suffix}", f"bench-p-in-{suffix}-{subscription}-DLQ"):
            broker.admin().request(
                "DELETE", f"/persistent/public/default/{name}", params={"force": "true"}, timeout_s=30
            )


def _insert_loop(schema: str, rows_per_txn: int, deadline: float, counts: list[int], index: int) -> None:
    connection = psycopg2.connect(_database_url(), options=f"-c search_path={schema}")
    try:
        while time.monotonic() < deadline:
            stream = str(uuid.uuid4())
            values = [
                (stream if rows_per_txn < 10 else str(uuid.uuid4()), n, str(uuid.uuid4()), STEP_DATA)
                for n in range(1, rows_per_txn + 1)
            ]
            with connection, connection.cursor() as cursor:
                execute_values(
                    cursor,
                    f"INSERT INTO events {COLUMNS} VALUES %s",
                    values,
                    template="(%s, %s, %s, 'StepSucceeded', %s, '{}', now())",
                    page_size=rows_per_txn,
                )
            counts[index] += 1
    finally:
        connection.close()


def raw_insert_rate(rows_per_txn: int, connections: int, seconds: float) -> float:
    """Returns committed transactions/s of `connections` threads each inserting `rows_per_txn` rows a time."""
    with _schema() as (schema, _):
        counts = [0] * connections
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        threads = [
            threading.Thread(target=_insert_loop, args=(schema, rows_per_txn, deadline, counts, i))
            for i in range(connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(counts) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.processing_throughput")
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each raw INSERT run")
    args = parser.parse_args()
    multi_row = Figure("raw INSERT, 1000 rows/txn", "inserted", "rows/s")
    figures = [multi_row]
    for processes in (1, 2):
        per_record = [raw_insert_rate(4, processes, args.seconds) for _ in range(args.runs)]
        figure = Figure(
            f"processing, {processes} consumer(s)",
            "processed",
            "rec/s",
            baseline=f"INSERT 4 rows/txn, {processes} conn",
            baseline_values=per_record,
        )
        figure.values = [processing_rate(processes, args.records) for _ in range(args.runs)]
        figures.append(figure)
    multi_row.values = [1000 * raw_insert_rate(1000, 1, args.seconds) for _ in range(args.runs)]
    print_table(figures)
    write_json(figures, {"records": args.records, "runs": args.runs, "raw_seconds": args.seconds})


if __name__ == "__main__":
    main()
