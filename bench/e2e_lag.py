"""End-to-end lag: open-loop ingestion at a fixed rate, and the time from each 201 to the record being
complete (validated and processed) in the query view; with `--batch N`, N records per POST /ingest/batch
(every N/R s), the way a partner with many records sends them, timed from the batch's 200.

Each rate starts on a quiet pipeline (every subscription of the three topics has no backlog: a run must
not inherit the previous one's). A sender thread posts one record every 1/R s for `--seconds` (never
waiting on the pipeline), and a watcher asks the view every `--poll-ms` which of the records not yet
complete are (POST /query/search with an `id $in` filter, `--chunk` ids per call); the lag of a record is
the first time it was seen complete minus the time its 201 arrived, so it includes up to one watcher cycle
(reported as "watcher cycle"). The view's own timestamps split it: validated_at and processed_at minus
the record's received time are the two services' lags; the rest is the projection into the view.

CPU time of every component over the run, divided by the records sent, says what one record costs where
(bench/cpu.py): on a small machine their sum bounds the rate the whole stack can sustain.

The lag is *bounded* at a rate when every record completed, the records sent in the last quarter of the
run did not wait much longer than those of the first quarter (median at most twice, plus 100 ms), and the
pipeline finished the last records soon after the sender stopped (within 1 s, or 5% of the run if that is
longer): a pipeline slower than the rate shows a lag growing with time, and a backlog to work off that
grows with the run's length. The sweep stops at the first rate that is not bounded (rates run in
ascending order): a higher one cannot be, and would only leave a longer backlog to drain.

    python -m bench.e2e_lag --rates 20,40,80 --seconds 60              # one copy of each consumer
    python -m bench.e2e_lag --rates 20,40 --seconds 60 --copies 2       # a second copy of each beside it
    python -m bench.e2e_lag --rates 100,200 --seconds 60 --batch 20     # POST /ingest/batch of 20 records
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import requests

from bench import broker
from bench.cpu import CpuMeter
from bench.memory import PeakSampler
from bench.report import Figure, print_table, write_json
from query_svc.adapters.pulsar.backlog import PulsarBacklog
from reliability.settings import REPO_ROOT
from reliability.supervisor import Copy, copy_of

CONSUMERS = ("validation-consumer", "processing-consumer", "query-consumer")
SERVERS = ("postgres", "redis", "pulsar", "mongodb")  # the supervised programs that are not our code
RUN_DIR = REPO_ROOT / ".run"


class LagRun:
    """One open-loop run: the sender posts at the rate, the watcher notes when each record is complete."""

    def __init__(self, args: argparse.Namespace, ingest: str, query: str, auth: dict[str, str]) -> None:
        self.args, self.ingest, self.query, self.auth = args, ingest, query, auth
        self.acked: dict[str, float] = {}
        self.refused: dict[int, int] = {}  # status -> count of POSTs that did not answer 201
        self.done: dict[str, float] = {}
        self.hops: dict[str, tuple[float, float]] = {}  # id -> (validated, processed) ms after received
        self.cycles: list[float] = []
        self.sent_at = 0.0  # when the sender stopped
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

    def record(self, n: int) -> dict[str, Any]:
        return {"partner_id": self.args.partner, "payload": {"name": f"lag-{n}", "age": 30 + n % 50}}

    def send_one(self, n: int) -> None:
        response = self.session.post(self.ingest, json=self.record(n), headers=self.auth, timeout=30)
        with self.lock:
            if response.status_code == 201:
                self.acked[response.json()["id"]] = time.monotonic()
            else:
                self.refused[response.status_code] = self.refused.get(response.status_code, 0) + 1

    def send_batch(self, first: int) -> None:
        """Posts records first .. first + batch - 1 in one POST /ingest/batch; each 201 item is acked."""
        body = [self.record(n) for n in range(first, first + self.args.batch)]
        response = self.session.post(f"{self.ingest}/batch", json=body, headers=self.auth, timeout=30)
        with self.lock:
            if response.status_code != 200:
                self.refused[response.status_code] = self.refused.get(response.status_code, 0) + len(body)
                return
            acked = time.monotonic()
            for item in response.json()["items"]:
                if item["status"] == 201:
                    self.acked[item["id"]] = acked
                else:
                    self.refused[item["status"]] = self.refused.get(item["status"], 0) + 1

    def sender(self) -> None:
        with ThreadPoolExecutor(max_workers=16) as pool:
            started = time.monotonic()
            n = 0
            while (now := time.monotonic()) - started < self.args.seconds:
                due = started + n / self.args.rate
                if now < due:
                    time.sleep(due - now)
                if self.args.batch > 1:
                    pool.submit(self.send_batch, n)
                    n += self.args.batch
                else:
                    pool.submit(self.send_one, n)
                    n += 1
        self.sent_at = time.monotonic()
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
            started = time.monotonic()
            for start in range(0, len(pending), self.args.chunk):
                self.poll(poll, pending[start : start + self.args.chunk])
            if pending:
                self.cycles.append(time.monotonic() - started)
            time.sleep(self.args.poll_ms / 1000)

    def poll(self, session: requests.Session, ids: list[str]) -> None:
        """Notes which of `ids` are complete in the view now, with their services' timestamps."""
        body: dict[str, Any] = {
            "filter": {"id": {"$in": ids}, "status": "complete"},
            "fields": "id,timestamp,validation,processing",
            "limit": len(ids),
        }
        response = session.post(f"{self.query}/search", json=body, headers=self.auth, timeout=30)
        if response.status_code != 200:
            return
        seen = time.monotonic()
        with self.lock:
            for row in response.json():
                if self.done.setdefault(row["id"], seen) == seen:
                    self.hops[row["id"]] = (
                        _ms_between(row["validation"]["validated_at"], row["timestamp"]),
                        _ms_between(row["processing"]["processed_at"], row["timestamp"]),
                    )

    def lags_by_quarter(self) -> tuple[list[float], list[float]]:
        """Lags (ms) of the records acknowledged in the first and in the last quarter of the run."""
        order = sorted(self.acked, key=self.acked.__getitem__)
        quarter = max(1, len(order) // 4)

        def lags(ids: list[str]) -> list[float]:
            return [(self.done[i] - self.acked[i]) * 1000 for i in ids if i in self.done]

        return lags(order[:quarter]), lags(order[-quarter:])


def _ms_between(later: str, earlier: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds() * 1000


def wait_until_quiet(timeout_s: float = 600.0) -> None:
    """Waits until no subscription of the three topics has a backlog, so a run starts on an idle pipeline."""
    backlog = PulsarBacklog(broker.admin(), os.environ.get("PULSAR_NAMESPACE", "persistent://public/default"))
    deadline = time.monotonic() + timeout_s
    told = 0.0
    while (left := sum(lag.backlog for lag in backlog.lags())) > 0:
        if time.monotonic() > deadline:
            raise SystemExit(f"the pipeline still has {left} messages in backlog after {timeout_s:.0f} s")
        if time.monotonic() - told > 10:
            print(f"  waiting for the pipeline to drain: {left} messages in backlog", flush=True)
            told = time.monotonic()
        time.sleep(1)


def _percentiles(scenario: str, name: str, values: list[float]) -> list[Figure]:
    if len(values) < 2:
        return []
    quantiles = statistics.quantiles(values, n=100)
    return [
        Figure(scenario, f"{name} p50", "ms", [statistics.median(values)]),
        Figure(scenario, f"{name} p95", "ms", [quantiles[94]]),
        Figure(scenario, f"{name} p99", "ms", [quantiles[98]]),
    ]


def measure(
    args: argparse.Namespace, rate: float, label: str, copies: Mapping[str, int] | None = None
) -> tuple[list[Figure], bool]:
    """One run at `rate`: the lag figures, and whether the lag stayed bounded. `copies` (name: pid) are
    the consumers' extra copies, whose CPU counts with the rest."""
    wait_until_quiet()
    host = os.environ.get("BIND_HOST", "127.0.0.1")
    ingest = f"http://{host}:{os.environ.get('INGESTION_PORT', '5001')}/ingest"
    query = f"http://{host}:{os.environ.get('QUERY_PORT', '5002')}/query"
    auth = {"Authorization": f"Bearer {args.key}"}
    run = LagRun(argparse.Namespace(**{**vars(args), "rate": rate}), ingest, query, auth)
    with PeakSampler() as memory, CpuMeter(copies) as cpu:
        lags = run.run()
    missing = len(run.acked) - len(run.done)
    first, last = run.lags_by_quarter()
    drain_ms = (max(run.done.values(), default=run.sent_at) - run.sent_at) * 1000
    bounded = (
        missing == 0
        and bool(first and last)
        and statistics.median(last) <= 2 * statistics.median(first) + 100
        and drain_ms <= max(1000.0, 0.05 * args.seconds * 1000)
    )
    print(
        f"  {rate:g} rec/s ({label}): acknowledged {len(run.acked)}, complete {len(run.done)}, "
        f"lag {'bounded' if bounded else 'NOT bounded'}",
        flush=True,
    )
    if run.refused:
        print(f"  POST /ingest refused (status: count) {run.refused}; see `make logs`", flush=True)
    if len(lags) < 2:
        return [], False
    scenario = f"e2e lag {rate:g} rec/s, {label}"
    figures = [
        *_percentiles(scenario, "lag", lags),
        *_percentiles(scenario, "validated after", [hop[0] for hop in run.hops.values()]),
        *_percentiles(scenario, "processed after", [hop[1] for hop in run.hops.values()]),
        Figure(scenario, "watcher cycle (mean)", "ms", [statistics.fmean(run.cycles or [0.0]) * 1000]),
        Figure(scenario, "last record complete after the sender stopped", "ms", [drain_ms]),
        Figure(scenario, "achieved", "rec/s", [len(run.acked) / args.seconds]),
        Figure(scenario, "bounded", "yes=1", [1.0 if bounded else 0.0]),
    ]
    records = max(1, len(run.acked))
    figures += [
        Figure(f"cpu per record at {rate:g} rec/s ({label})", program, "ms", [used * 1000 / records])
        for program, used in sorted(cpu.used.items())
    ]
    figures += _cpu_bounds(f"cpu per record at {rate:g} rec/s ({label})", cpu.used, records)
    figures += [
        Figure(f"memory under load ({label})", program, "MiB", [size])
        for program, size in sorted(memory.peaks.items())
    ]
    return figures, bounded


def _cpu_bounds(scenario: str, used: dict[str, float], records: int) -> list[Figure]:
    """The CPU a record cost in all, and in the stores and the broker alone, with the rate at which each
    would take every core of this machine: the servers' own share bounds the rate whatever our code does."""
    cores = os.cpu_count() or 1
    every = sum(used.values()) * 1000 / records
    servers = sum(used.get(program, 0.0) for program in SERVERS) * 1000 / records
    return [
        Figure(scenario, "all", "ms", [every]),
        Figure(scenario, "stores + broker", "ms", [servers]),
        Figure(scenario, f"all {cores} cores busy at", "rec/s", [cores * 1000 / every if every else 0.0]),
        Figure(
            scenario,
            f"{cores} cores busy with stores + broker alone at",
            "rec/s",
            [cores * 1000 / servers if servers else 0.0],
        ),
    ]


def figures(args: argparse.Namespace) -> list[Figure]:
    """The rate sweep, with `args.copies` copies of each consumer running."""
    copies = [copy_of(program, RUN_DIR) for program in CONSUMERS for _ in range(args.copies - 1)]
    label = f"{args.copies} cop{'y' if args.copies == 1 else 'ies'} of each consumer"
    if args.batch > 1:
        label += f", batches of {args.batch}"
    result: list[Figure] = []
    highest = 0.0
    try:
        for copy in copies:
            copy.start()
        if copies:
            time.sleep(10)  # the copies join their Key_Shared subscriptions
        for index, rate in enumerate(args.rates):
            found, bounded = measure(args, rate, label, _named(copies))
            result += found
            if not bounded:
                # A pipeline that fell behind at this rate falls further behind at any higher one, and each
                # would only leave a longer backlog to drain before the next run.
                if index + 1 < len(args.rates):
                    print(f"  not bounded at {rate:g} rec/s: skipping {args.rates[index + 1 :]}", flush=True)
                break
            highest = rate
    finally:
        for copy in copies:
            copy.stop()
    result.append(Figure(f"e2e lag, {label}", "highest bounded", "rec/s", [highest]))
    return result


def _named(copies: list[Copy]) -> dict[str, int]:
    """Each copy's pid under a name of its own: `query-consumer copy 2` is the second query consumer."""
    named: dict[str, int] = {}
    made: Counter[str] = Counter()
    for copy in copies:
        made[copy.program] += 1
        named[f"{copy.program} copy {made[copy.program] + 1}"] = copy.pid
    return named


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e_lag")
    parser.add_argument("--rates", default="20,40,80,120,200", help="records per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--settle", type=float, default=120.0, help="longest wait for the last records")
    parser.add_argument("--poll-ms", type=float, default=100.0)
    parser.add_argument("--chunk", type=int, default=250, help="ids per watcher query")
    parser.add_argument("--copies", type=int, default=1, help="copies of each consumer service")
    parser.add_argument(
        "--batch", type=int, default=1, help="records per POST: 1 posts /ingest, more post /ingest/batch"
    )
    args = parser.parse_args(argv)
    args.rates = sorted(float(r) for r in str(args.rates).split(","))
    args.key, args.partner = os.environ.get("PARTNER123_KEY", ""), "partner123"
    return args


def main() -> None:
    args = arguments()
    result = figures(args)
    print_table(result)
    write_json(result, {"rates": args.rates, "seconds": args.seconds, "copies": args.copies})


if __name__ == "__main__":
    main()
