"""`make bench`: runs the scenarios against the local stack, prints the table, writes bench/results/*.json."""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from bench import auth, ingestion
from bench.report import Figure, print_table, write_json
from eventkit.auth.keys import add_key
from eventkit.postgres.engine import make_engine


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    parser.add_argument("--ingest-url", default="http://127.0.0.1:5001")
    parser.add_argument("--database-url", default="postgresql://ingestion:ingestion@127.0.0.1:5432/ingestion")
    return parser.parse_args()


def _keys_file() -> str:
    """The running stack's key file (the services reload it, so the bench's own key works at once)."""
    return os.environ.get("API_KEYS_FILE", str(Path(__file__).resolve().parent.parent / ".run/api-keys.json"))


def main() -> None:
    args = _arguments()
    plan = ingestion.Plan(
        args.seconds,
        args.runs,
        int(os.environ.get("WEB_WORKERS", "2")),
        int(os.environ.get("WEB_THREADS", "4")),
        api_key=add_key(_keys_file(), "partner", "bench", label="make bench"),
    )
    figures: list[Figure] = []
    print("==> authentication overhead, in-process", flush=True)
    figures += auth.overhead(plan.runs)
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
    print()
    print_table(figures)
    context: dict[str, object] = {
        "plan": vars(plan),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    print(f"\nwritten to {write_json(figures, context)}")


if __name__ == "__main__":
    main()
