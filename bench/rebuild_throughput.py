"""Projection rebuild replay rate over a log of N events, beside raw pymongo bulk upserts on the same server.

Publishes N/3 records' DataIngested, DataValidated and DataProcessed to three fresh topics of the running
Pulsar (namespace public/default, names tagged with the run), then runs query_svc's RebuildRunner on them
into a scratch MongoDB database, exactly as a `consume` process does, and times it. The baseline bulk-upserts
N/3 view-sized documents with ReplaceOne(upsert) into a scratch collection in batches of 1,000 (the same
work a rebuild does at the least: one write per record view), measured right after each rebuild. The log
is rebuilt `--runs` times (3), each into a fresh database, for a median and its min-max. Also records the
longest latency of a query made against the running query API during each rebuild.

    python -m bench.rebuild_throughput --events 100000 --runs 3
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from pymongo import ReplaceOne

from bench import broker
from bench.report import Figure, print_table, write_json
from contracts import encode, message_key, new_event
from query_svc.adapters.mongo.connection import make_mongo
from query_svc.adapters.mongo.generations import MongoViewGenerations
from query_svc.adapters.mongo.jobs import JOBS, MongoJobStore
from query_svc.adapters.mongo.records import MongoRecordViews
from query_svc.adapters.mongo.timeline import MongoTimeline
from query_svc.adapters.pulsar.replay import PulsarEventLog
from query_svc.application.projector import Projector
from query_svc.application.rebuild import RebuildRunner, Rebuilds

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _events(data_id: str, n: int) -> list[Any]:
    at = T0 + timedelta(milliseconds=n)
    partner = f"partner{n % 5}"
    kinds: list[tuple[str, str, int, dict[str, Any]]] = [
        (
            "DataIngested",
            "ingestion_svc",
            0,
            {
                "payload": {"name": f"R{n}", "age": n % 90},
                "received_at": at.isoformat(),
                "content_hash": "sha256:" + "0" * 64,
            },
        ),
        ("DataValidated", "validation_svc", 1, {"is_valid": True, "errors": [], "ruleset_version": "r1"}),
        (
            "DataProcessed",
            "processing_svc",
            2,
            {"status": "processed", "result": {"age_group": "adult"}, "steps": [], "pipeline_version": "p1"},
        ),
    ]
    return [
        new_event(
            kind,
            data_id=data_id,
            partner_id=partner,
            record_version=1,
            data=data,
            producer=producer,
            correlation_id="bench",
            occurred_at=at + timedelta(seconds=offset),
        )
        for kind, producer, offset, data in kinds
    ]


def publish(topics: list[str], records: int) -> float:
    client = broker.client()
    producers = [client.create_producer(t, batching_enabled=True, batching_max_messages=1000) for t in topics]
    started = time.perf_counter()
    try:
        for n in range(records):
            for producer, event in zip(producers, _events(str(uuid.uuid4()), n), strict=True):
                producer.send_async(encode(event), None, partition_key=message_key(event))
        for producer in producers:
            producer.flush()
    finally:
        for producer in producers:
            producer.close()
        client.close()
    return time.perf_counter() - started


class QueryProbe:
    """Queries the running API every 50 ms during the rebuild and keeps the slowest answer."""

    def __init__(self, base: str, key: str | None) -> None:
        self._url = f"{base}/query/all?limit=20"
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._stop = threading.Event()
        self.slowest = 0.0
        self.failures = 0
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            started = time.perf_counter()
            try:
                ok = requests.get(self._url, headers=self._headers, timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            self.failures += not ok
            self.slowest = max(self.slowest, time.perf_counter() - started)

    def __enter__(self) -> QueryProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _dev_admin_key() -> str | None:
    """The admin key `make up` wrote (make bench does not export it): without one every probe is a 401."""
    keys = Path(os.environ.get("RUN_DIR", Path(__file__).resolve().parent.parent / ".run")) / "dev-keys.env"
    for line in keys.read_text().splitlines() if keys.exists() else []:
        if line.startswith("ADMIN_KEY="):
            return line.split("=", 1)[1].strip()
    return None


def rebuild(mongo_url: str, topics: list[str], database: str) -> tuple[float, int]:
    client = make_mongo(mongo_url)
    pulsar_client = broker.client()
    try:
        db = client[database]
        generations = MongoViewGenerations(db)
        jobs = MongoJobStore(db[JOBS])
        runner = RebuildRunner(
            jobs=jobs,
            log=PulsarEventLog(pulsar_client, broker.admin(), topics),
            generations=generations,
            projector_for=lambda g: Projector(
                MongoTimeline(generations.events(g)),
                MongoRecordViews(generations.records(g)),
                cache_records=500_000,
            ),
        )
        job = Rebuilds(jobs).start()
        started = time.perf_counter()
        done = runner.run(job)
        elapsed = time.perf_counter() - started
        assert done.state == "done", done
        return elapsed, sum(done.replayed.values())
    finally:
        pulsar_client.close()
        client.drop_database(database)
        client.close()


def raw_upserts(mongo_url: str, documents: int) -> float:
    client = make_mongo(mongo_url)
    name = f"bench_raw_{uuid.uuid4().hex[:8]}"
    try:
        collection = client[name]["records"]
        doc = {
            "partner_id": "p",
            "version": 1,
            "status": "complete",
            "payload": {"name": "R", "age": 30},
            "validation": {"status": "valid", "errors": []},
            "processing": {"status": "processed"},
        }
        started = time.perf_counter()
        for start in range(0, documents, 1000):
            writes = [
                ReplaceOne({"_id": f"r{i}"}, doc, upsert=True)
                for i in range(start, min(start + 1000, documents))
            ]
            for chunk in range(0, len(writes), 50):  # FerretDB deadlocks on ~100 updates per command
                collection.bulk_write(writes[chunk : chunk + 50], ordered=False)
        return time.perf_counter() - started
    finally:
        client.drop_database(name)
        client.close()


def figures(events: int, runs: int = 1) -> list[Figure]:
    """Publishes `events` events to scratch topics once, then `runs` times rebuilds a view from them into a
    fresh scratch database and times raw upserts right after (each pair in the same conditions)."""
    host = os.environ.get("BIND_HOST", "127.0.0.1")
    mongo_url = os.environ.get("MONGO_URL", f"mongodb://{host}:{os.environ.get('MONGO_PORT', '27017')}")
    query_url = f"http://{host}:{os.environ.get('QUERY_PORT', '5002')}"
    records = events // 3
    tag = uuid.uuid4().hex[:8]
    topics = [
        f"persistent://public/default/bench-rebuild-{tag}-{kind}"
        for kind in ("ingested", "validated", "processed")
    ]
    print(f"publishing {records * 3} events ({records} records) to {topics[0]}…", flush=True)
    publish_s = publish(topics, records)
    print(f"  published in {publish_s:.1f} s", flush=True)
    replay = Figure("rebuild replay", "events/s", "events/s")
    rate = Figure("rebuild replay", "records/s", "records/s", baseline="raw bulk upsert docs/s")
    slowest = Figure("query during rebuild", "slowest GET /query/all", "ms")
    failed = Figure("query during rebuild", "failed queries", "count")
    for run in range(1, runs + 1):
        print(f"  run {run}/{runs}: rebuilding…", flush=True)
        with QueryProbe(query_url, os.environ.get("ADMIN_KEY") or _dev_admin_key()) as probe:
            rebuild_s, replayed = rebuild(mongo_url, topics, f"bench_rebuild_{tag}_{run}")
        raw_s = raw_upserts(mongo_url, records)
        print(
            f"  run {run}/{runs}: rebuilt {replayed} events in {rebuild_s:.1f} s ({records / rebuild_s:.0f}"
            f" records/s); raw bulk upserts {records / raw_s:.0f} docs/s; {probe.failures} failed queries",
            flush=True,
        )
        replay.values.append(replayed / rebuild_s)
        rate.values.append(records / rebuild_s)
        rate.baseline_values.append(records / raw_s)
        slowest.values.append(probe.slowest * 1000)
        failed.values.append(float(probe.failures))
    return [replay, rate, slowest, failed]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild_throughput")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="rebuilds of the same log (median, min-max)")
    args = parser.parse_args()
    result = figures(args.events, args.runs)
    print_table(result)
    write_json(result, {"events": args.events, "runs": args.runs})


if __name__ == "__main__":
    main()
