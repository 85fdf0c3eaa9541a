"""End-to-end lag: open-loop ingestion at a fixed rate, and the time from each 201 to the record being
complete (validated and processed) in the query view.

A sender thread posts one record every 1/R s for `--seconds` (never waiting on the pipeline), and a watcher
polls the view for every record not yet complete; the lag of a record is the first time it was seen
complete minus the time its 201 arrived (so it includes up to one polling interval, 20 ms by default).

    python -m bench.e2e_lag --rate 50 --seconds 30
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench.report import Figure, print_table, write_json


class LagRun:
    """One open-loop run: the sender posts at the rate, the watcher notes when each record is complete."""

    def __init__(self, args: argparse.Namespace, ingest: str, query: str, auth: dict[str, str]) -> None:
        self.args, self.ingest, self.query, self.auth = args, ingest, query, auth
        self.acked: dict[str, float] = {}
        self.done: dict[str, float] = {}
        self.lock = threading.Lock()
        self.sending = threading.Event()
        self.session = requests.Session()

    def run(self) -> list[float]:
        self.sending.set()
        threads = [threading.Thread(target=self.sender), threading.Thread(target=self.watcher)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted((self.done[i] - self.acked[i]) * 1000 for i in self.done)

    def send_one(self, n: int) -> None:
        body: dict[str, Any] = {
            "partner_id": "partner123",
            "payload": {"name": f"lag-{n}", "age": 30 + n % 50},
        }
        response = self.session.post(self.ingest, json=body, headers=self.auth, timeout=30)
        if response.status_code == 201:
            with self.lock:
                self.acked[response.json()["id"]] = time.monotonic()

    def sender(self) -> None:
        with ThreadPoolExecutor(max_workers=16) as pool:
            started = time.monotonic()
            n = 0
            while (now := time.monotonic()) - started < self.args.seconds:
                due = started + n / self.args.rate
                if now < due:
                    time.sleep(due - now)
                pool.submit(self.send_one, n)
                n += 1
        self.sending.clear()

    def watcher(self) -> None:
        poll = requests.Session()
        deadline = None
        while True:
            with self.lock:
                pending = [i for i in self.acked if i not in self.done]
            if not self.sending.is_set():
                deadline = deadline or time.monotonic() + self.args.settle
                if not pending or time.monotonic() > deadline:
                    return
            for record_id in pending:
                response = poll.get(f"{self.query}/{record_id}", headers=self.auth, timeout=30)
                if response.status_code == 200 and response.json().get("status") == "complete":
                    with self.lock:
                        self.done[record_id] = time.monotonic()
            time.sleep(self.args.poll_ms / 1000)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e_lag")
    parser.add_argument("--rate", type=float, default=50.0, help="records per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--settle", type=float, default=120.0, help="longest wait for the last records")
    parser.add_argument("--poll-ms", type=float, default=20.0)
    args = parser.parse_args()
    host = os.environ.get("BIND_HOST", "127.0.0.1")
    ingest = f"http://{host}:{os.environ.get('INGESTION_PORT', '5001')}/ingest"
    query = f"http://{host}:{os.environ.get('QUERY_PORT', '5002')}/query"
    auth = {"Authorization": f"Bearer {os.environ['PARTNER123_KEY']}"}
    run = LagRun(args, ingest, query, auth)
    lags = run.run()
    missing = len(run.acked) - len(run.done)
    if not lags:
        raise SystemExit("no record completed")
    quantiles = statistics.quantiles(lags, n=100)
    scenario = f"ingest-to-complete at {args.rate:g} rec/s"
    figures = [
        Figure(scenario, "lag p50", "ms", [statistics.median(lags)]),
        Figure(scenario, "lag p95", "ms", [quantiles[94]]),
        Figure(scenario, "lag p99", "ms", [quantiles[98]]),
    ]
    print_table(figures)
    print(f"acknowledged {len(run.acked)}, complete {len(run.done)}, incomplete {missing}")
    write_json(
        figures, {"rate": args.rate, "seconds": args.seconds, "acked": len(run.acked), "incomplete": missing}
    )


if __name__ == "__main__":
    main()
