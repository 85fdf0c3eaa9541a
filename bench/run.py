"""`make bench`: runs the scenarios against the local stack, prints the table, writes bench/results/*.json.

Sections (all by default; `--only ingest,e2e` or BENCH_ONLY picks some): auth, ingest (single and batch
POST beside Flask + one INSERT, multi-row INSERT and COPY), pulsar (raw client ceiling), e2e (ingest-to-
complete lag over a rate sweep, then with two copies of each consumer, then with records sent in batches),
rebuild (replay of 100k events beside raw bulk upserts), sealing (what encrypting a record's payload under
its data key adds per record, in-process), viewstore (the view store's CPU per
document inserted, replaced and read, beside an insert), query (latency at 100k documents;
BENCH_QUERY_DOCUMENTS=100000,1000000 for more), memory (each component at idle; under load it comes from
the e2e section), idle (CPU each component spends in a quiet minute; first, before anything is ingested).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import (
    auth,
    e2e_lag,
    idle,
    ingestion,
    memory,
    pulsar_raw,
    query_latency,
    rebuild_throughput,
    sealing,
    view_store_ops,
)
from bench.report import Figure, print_table, write_json
from eventkit.auth.keys import add_key
from eventkit.postgres.engine import make_engine
from reliability.settings import stack_environment
from reliability.supervisor import qualified, supervisorctl


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    parser.add_argument("--ingest-url", default="http://127.0.0.1:5001")
    parser.add_argument("--database-url", default=stack_environment()["INGESTION_DATABASE_URL"])
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ",".join(SECTIONS)))
    parser.add_argument("--rates", default=os.environ.get("BENCH_RATES", "20,40,80,120,200"))
    parser.add_argument("--batch-rates", default=os.environ.get("BENCH_BATCH_RATES", "150,200,300,400"))
    parser.add_argument("--batch", type=int, default=int(os.environ.get("BENCH_BATCH", "20")))
    parser.add_argument("--e2e-seconds", type=float, default=float(os.environ.get("BENCH_E2E_SECONDS", "60")))
    parser.add_argument("--documents", default=os.environ.get("BENCH_QUERY_DOCUMENTS", "100000"))
    parser.add_argument("--events", type=int, default=int(os.environ.get("BENCH_REBUILD_EVENTS", "100000")))
    parser.add_argument("--idle-settle", type=float, default=float(os.environ.get("BENCH_IDLE_SETTLE", "60")))
    args = parser.parse_args()
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    return args


SECTIONS = ("idle", "auth", "sealing", "ingest", "pulsar", "viewstore", "e2e", "rebuild", "query", "memory")


def _keys_file() -> str:
    """The running stack's key file (the services reload it, so the bench's own key works at once)."""
    return os.environ.get("API_KEYS_FILE", str(Path(__file__).resolve().parent.parent / ".run/api-keys.json"))


def main() -> None:
    args = _arguments()
    # its own quota: the load generator's rates are far above the services' default RATE_LIMIT
    key = add_key(_keys_file(), "partner", "bench", label="make bench", rate_limit="1000000/minute")
    plan = ingestion.Plan(
        args.seconds,
        args.runs,
        int(os.environ.get("WEB_WORKERS", "2")),
        int(os.environ.get("WEB_THREADS", "4")),
        api_key=key,
    )
    figures: list[Figure] = []
    if "idle" in args.only:  # first: nothing ingested for a minute
        print("==> CPU of each component while the stack is idle", flush=True)
        figures += idle.figures(idle.measure(args.idle_settle, 60.0))
    if "memory" in args.only:
        print("==> resident memory of each component, idle", flush=True)
        figures += memory.figures("idle", memory.rss_by_program())
    if "auth" in args.only:
        print("==> authentication overhead, in-process", flush=True)
        figures += auth.overhead(plan.runs)
    if "sealing" in args.only:
        print(f"==> sealing and opening records, in-process, {plan.runs} x 5000 records", flush=True)
        figures += sealing.figures(5000, plan.runs)
    if "pulsar" in args.only:
        print(f"==> raw Pulsar producer and consumer, {plan.runs} x 20000 messages", flush=True)
        figures += pulsar_raw.figures(20_000, plan.runs)
    if "viewstore" in args.only:
        print("==> the view store's CPU per document for each kind of operation, 2000 x 20", flush=True)
        figures += view_store_ops.figures(view_store_ops.measure(view_store_ops.store_url(), 2000, 20))
    if "e2e" in args.only:
        for copies in (1, 2):
            print(
                f"==> end-to-end lag at {args.rates} rec/s for {args.e2e_seconds:g} s, {copies} cop(ies)",
                flush=True,
            )
            lag_args = e2e_lag.arguments(
                ["--rates", args.rates, "--seconds", str(args.e2e_seconds), "--copies", str(copies)]
            )
            lag_args.key, lag_args.partner = key, "bench"
            figures += e2e_lag.figures(lag_args)
        print(
            f"==> end-to-end lag at {args.batch_rates} rec/s in POST /ingest/batch of {args.batch}, 1 copy",
            flush=True,
        )
        lag_args = e2e_lag.arguments(
            ["--rates", args.batch_rates, "--seconds", str(args.e2e_seconds), "--batch", str(args.batch)]
        )
        lag_args.key, lag_args.partner = key, "bench"
        figures += e2e_lag.figures(lag_args)
    if "rebuild" in args.only:
        print(
            f"==> projection rebuild over {args.events} events, {args.runs} x, + raw bulk upserts", flush=True
        )
        figures += rebuild_throughput.figures(args.events, args.runs)
    if "query" in args.only:
        for documents in (int(n) for n in args.documents.split(",")):
            print(f"==> query latency at {documents} documents", flush=True)
            figures += query_latency.figures(documents, 20)
    if "ingest" in args.only:  # last: it stores far more records than the pipeline works off quickly
        figures += _ingestion(args, plan)
    print()
    print_table(figures)
    context: dict[str, object] = {
        "plan": vars(plan) | {"api_key": "(bench key)"},
        "sections": args.only,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.platform(),
    }
    print(f"\nwritten to {write_json(figures, context)}")


DOWNSTREAM = ("validation-consumer", "processing-consumer", "query-consumer")


@contextmanager
def _downstream_paused() -> Iterator[None]:
    """Stops the other services' consumers, so the ingest figures are ingestion's own (API + relay) and its
    baselines do not share the two cores with a pipeline working off the records just sent; they catch
    up afterwards (the e2e section measures everything together)."""
    print(f"    pausing {', '.join(DOWNSTREAM)} during the ingest section", flush=True)
    supervisorctl("stop", *(qualified(p) for p in DOWNSTREAM))
    try:
        yield
    finally:
        supervisorctl("start", *(qualified(p) for p in DOWNSTREAM))
        print(
            "    the pipeline now works off the records this section stored, for a while: `make status` shows"
            " the backlog (the ingest section runs last for that reason)",
            flush=True,
        )


def _ingestion(args: argparse.Namespace, plan: ingestion.Plan) -> list[Figure]:
    with _downstream_paused():
        return _ingestion_figures(args, plan)


def _ingestion_figures(args: argparse.Namespace, plan: ingestion.Plan) -> list[Figure]:
    figures: list[Figure] = []
    started = time.time()
    for concurrency in (16, 64):
        print(
            f"==> POST /ingest, {concurrency} clients, {plan.runs} x {plan.seconds:g} s, + baseline",
            flush=True,
        )
        figures += ingestion.single(args.ingest_url, args.database_url, concurrency, plan)
    print("==> outbox publish lag of those requests", flush=True)
    figures += ingestion.outbox_lag(make_engine(args.database_url, pool_size=1), started)
    for size in (100, 1000):
        print(
            f"==> POST /ingest/batch of {size}, {plan.runs} x {plan.seconds:g} s, + raw INSERT/COPY",
            flush=True,
        )
        figures += ingestion.batch(args.ingest_url, args.database_url, size, plan)
    return figures


if __name__ == "__main__":
    main()
