"""Validation throughput with one and two consumer processes, under appendfsync always and everysec.

`python -m bench.validation_throughput [--records N] [--runs R]` against the local stack. Each scenario
pre-publishes N DataIngested to a fresh topic, starts the consumer processes (built as the service builds
them, batches and all) and measures records/s from the Redis outbox entries' own timestamps (first to
last), so start-up is not counted. The baseline is the handler's batch path alone (rules, DataValidated,
atomic Lua appends in one pipeline per batch; no Pulsar) in one thread, in the same fsync mode.
The shared Redis's appendfsync is switched for the run and restored afterwards.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bench import broker
from bench.report import Figure, print_table, write_json
from contracts import DataIngested, content_hash, new_event
from eventkit.sealing.keys import MemoryKeyStore
from reliability.settings import stack_environment
from validation_svc.adapters.pulsar.consumers import SUBSCRIPTION
from validation_svc.adapters.redis.connection import make_redis
from validation_svc.adapters.redis.keys import Keys
from validation_svc.adapters.redis.log import RedisValidationLog
from validation_svc.adapters.rules_file import load_rule_book
from validation_svc.application.handler import ValidateRecord
from validation_svc.settings import DEFAULT_RULES_FILE, Settings

NAMESPACE = "persistent://public/default"


def _redis_url() -> str:
    """The Redis admin: the benchmark's log lives under keys of its own, beyond validation's ACL user."""
    return stack_environment()["REDIS_ADMIN_URL"]


def _event(i: int) -> Any:
    payload = {"name": f"bench-{i}", "age": i % 130, "attributes": {"n": i}}
    return new_event(
        "DataIngested",
        data_id=str(uuid.uuid4()),
        partner_id="partner123",
        record_version=1,
        data=DataIngested(payload, datetime.now(UTC), content_hash(payload)),
        producer="bench",
        correlation_id="bench",
    )


def _consume(topic: str, subscription: str, prefix: str, stop: Any) -> None:
    """One consumer process, built as `python -m validation_svc consume` builds it (batches and all)."""
    log = RedisValidationLog(make_redis(_redis_url()), Keys(prefix))
    # The bench's records are plain (legacy): no key is asked for.
    handler = ValidateRecord(
        load_rule_book(DEFAULT_RULES_FILE), log, f"{NAMESPACE}/bench-validated", MemoryKeyStore()
    )
    broker.consume(
        replace(SUBSCRIPTION, name=subscription), topic, handler, Settings.from_env().delivery, stop
    )


def _pipeline_rate(processes: int, records: int) -> float:
    suffix = uuid.uuid4().hex[:8]
    topic, prefix = f"{NAMESPACE}/bench-vin-{suffix}", f"bench-validation-{suffix}"
    broker.publish(topic, [_event(i) for i in range(records)])
    redis_client = make_redis(_redis_url())
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    workers = [
        context.Process(target=_consume, args=(topic, f"bench-{suffix}", prefix, stop))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 300
        while redis_client.xlen(f"{prefix}:outbox") < records and time.monotonic() < deadline:
            time.sleep(0.2)
        return _rate_from_stream(redis_client, f"{prefix}:outbox")
    finally:
        stop.set()
        for worker in workers:
            worker.join(30)
        _delete(redis_client, prefix)


def _rate_from_stream(client: Any, stream: str) -> float:
    [(first_id, _)] = client.xrange(stream, count=1)
    [(last_id, _)] = client.xrevrange(stream, count=1)
    count = client.xlen(stream)
    elapsed_ms = int(last_id.split(b"-")[0]) - int(first_id.split(b"-")[0])
    return float((count - 1) * 1000 / max(elapsed_ms, 1))


def _append_rate(records: int) -> float:
    """The baseline: the handler's batch path (rules, events, one atomic Lua append per run, a batch's
    scripts in one pipeline) in one thread, in the service's batches, no broker."""
    prefix = f"bench-validation-raw-{uuid.uuid4().hex[:8]}"
    client = make_redis(_redis_url())
    handler = ValidateRecord(
        load_rule_book(DEFAULT_RULES_FILE),
        RedisValidationLog(client, Keys(prefix)),
        f"{NAMESPACE}/x",
        MemoryKeyStore(),
    )
    events = [_event(i) for i in range(records)]
    batch = Settings.from_env().delivery.batch
    started = time.perf_counter()
    for start in range(0, records, batch):
        handler.handle_batch(events[start : start + batch])
    elapsed = time.perf_counter() - started
    _delete(client, prefix)
    return records / elapsed


def _delete(client: Any, prefix: str) -> None:
    doomed = list(client.scan_iter(f"{prefix}:*"))
    if doomed:
        client.delete(*doomed)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.validation_throughput")
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    client = make_redis(_redis_url())
    original = str(client.config_get("appendfsync")["appendfsync"])
    figures: list[Figure] = []
    try:
        for mode in ("always", "everysec"):
            client.config_set("appendfsync", mode)
            baseline = [_append_rate(args.records) for _ in range(args.runs)]
            for processes in (1, 2):
                figure = Figure(
                    f"{processes} consumer(s), fsync {mode}",
                    "validated",
                    "rec/s",
                    baseline=f"handler batches only, {mode}",
                    baseline_values=baseline,
                )
                figure.values = [_pipeline_rate(processes, args.records) for _ in range(args.runs)]
                figures.append(figure)
    finally:
        client.config_set("appendfsync", original)
    print_table(figures)
    write_json(figures, {"records": args.records, "runs": args.runs})


if __name__ == "__main__":
    main()
