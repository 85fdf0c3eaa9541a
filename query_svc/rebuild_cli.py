"""`python -m query_svc rebuild [--wait]`: starts a rebuild of the view; --wait follows its progress."""

from __future__ import annotations

import argparse
import sys
import time

from eventkit.settings import SettingsError
from query_svc.bootstrap import bootstrap
from query_svc.domain.errors import QueryError
from query_svc.domain.rebuild_job import FINISHED, RebuildJob
from query_svc.settings import Settings

_BAR = 30


def rebuild_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m query_svc rebuild", description=__doc__)
    parser.add_argument("--wait", action="store_true", help="follow the job until it finishes")
    args = parser.parse_args(argv)
    try:
        query = bootstrap(Settings.from_env())
    except SettingsError as error:
        print(f"query_svc: configuration error: {error}", file=sys.stderr)
        return 2
    try:
        job = query.rebuilds.start()
    except QueryError as error:
        print(f"rebuild not started: {error}", file=sys.stderr)
        return 1
    print(f"rebuild {job.id} started into generation {job.generation} (a query consumer runs it)")
    if not args.wait:
        print(f"follow it with: GET /query/projections/rebuild/{job.id}")
        return 0
    while job.state not in FINISHED:
        time.sleep(1)
        job = query.rebuilds.get(job.id)
        print(f"\r{_line(job)}", end="", flush=True)
    print()
    if job.state != "done":
        print(f"rebuild {job.state}: {job.error}", file=sys.stderr)
        return 1
    return 0


def _line(job: RebuildJob) -> str:
    done, total = sum(job.replayed.values()), sum(job.totals.values())
    share = min(done / total, 1.0) if total else 0.0
    bar = "#" * int(share * _BAR)
    eta = "" if job.eta_seconds is None else f" eta {job.eta_seconds:.0f}s"
    return f"[{bar:<{_BAR}}] {done}/{total} events {job.rate:.0f}/s{eta} {job.state:<12}"
