"""Query latency at N documents: by id, by partner with paging, indexed and unindexed filters, payload
filters and sorts on a partner's declared payload index and on a field without one, stats.

Fills a scratch MongoDB database with N view-shaped documents (5 partners, each with every status: 60%
complete, 20% validated, 20% received; ages 0..99),
creates the view's indexes, then times the query use cases exactly as the API runs them (RecordQueries on
the MongoDB reader, the caller's scope applied) and reports p50/p99 per query kind.

    python -m bench.query_latency --documents 100000 --repeats 20
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.report import Figure, print_table, write_json
from query_svc.adapters.memory import InMemoryTimeline
from query_svc.adapters.mongo.connection import make_mongo
from query_svc.adapters.mongo.indexes import ensure_indexes
from query_svc.adapters.mongo.records import RECORDS, MongoRecordReader
from query_svc.application.queries import RecordQueries
from query_svc.domain.payload_indexes import parse_declarations

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DECLARED = parse_declarations({"partner2": ["payload.age"], "partner3": ["payload.age"]}, "bench")
STATUSES = ("complete", "complete", "complete", "validated", "received")


def _document(n: int) -> dict[str, Any]:
    at = T0 + timedelta(seconds=n)
    return {
        "_id": str(uuid.UUID(int=n)),
        "partner_id": f"partner{n % 5}",
        "timestamp": at,
        "received_at": at,
        "updated_at": at,
        "payload": {"name": f"R{n}", "age": n % 100, "rank": n % 97},
        "version": 1,
        "status": STATUSES[(n // 5) % len(STATUSES)],  # every partner has every status
        "validation": {"status": "valid", "errors": []},
        "processing": {"status": "processed", "result": {"age_group": "adult"}},
        "_applied": 3,
    }


def _fill(collection: Any, documents: int) -> float:
    started = time.perf_counter()
    for start in range(0, documents, 5000):
        collection.insert_many(
            [_document(n) for n in range(start, min(start + 5000, documents))], ordered=False
        )
    return time.perf_counter() - started


def _time(call: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _p99(samples: list[float]) -> float:
    """The 99th percentile; with fewer than 100 samples, the slowest."""
    return max(samples) if len(samples) < 100 else statistics.quantiles(samples, n=100)[98]


def figures(documents: int, repeats: int) -> list[Figure]:
    """Fills a scratch database with `documents` views and times each query kind `repeats` times."""
    host = os.environ.get("BIND_HOST", "127.0.0.1")
    url = os.environ.get("MONGO_URL", f"mongodb://{host}:{os.environ.get('MONGO_PORT', '27017')}")
    client = make_mongo(url)
    name = f"bench_query_{uuid.uuid4().hex[:8]}"
    try:
        database = client[name]
        print(f"  filling {documents} documents…", flush=True)
        fill_s = _fill(database[RECORDS], documents)
        ensure_indexes(database)
        print(f"  filled in {fill_s:.1f} s ({documents / fill_s:.0f} docs/s)", flush=True)
        started = time.perf_counter()
        ensure_indexes(database, declared=DECLARED)
        build_s = time.perf_counter() - started
        print(f"  declared index on payload.age built in {build_s:.1f} s", flush=True)
        queries = RecordQueries(
            MongoRecordReader(database[RECORDS], 60_000), InMemoryTimeline(), secrets.token_bytes(32)
        )
        some_id = str(uuid.UUID(int=documents // 2))
        kinds: dict[str, Callable[[], object]] = {
            "by id": lambda: queries.get(some_id, "partner0"),
            "by partner, first page of 100": lambda: queries.list({"limit": "100"}, "partner1"),
            "by partner, pages 1-10 by cursor (sum)": lambda: _ten_pages(queries, "-timestamp"),
            "indexed filter status=validated (partner)": lambda: queries.list(
                {"status": "validated", "limit": "100"}, "partner2"
            ),
            "unindexed filter payload.age>=95 (admin)": lambda: queries.list(
                {"payload.age__gte": "95", "limit": "100"}, None
            ),
            "declared payload index: payload.age>=95 (partner)": lambda: queries.list(
                {"payload.age__gte": "95", "limit": "100"}, "partner2"
            ),
            "declared payload index: payload.age>=95 sorted by it (partner)": lambda: queries.list(
                {"payload.age__gte": "95", "sort": "payload.age", "limit": "100"}, "partner2"
            ),
            "no payload index: payload.rank>=92 (partner)": lambda: queries.list(
                {"payload.rank__gte": "92", "limit": "100"}, "partner2"
            ),
            "declared payload index: sort -payload.age, first page (partner)": lambda: queries.list(
                {"sort": "-payload.age", "limit": "100"}, "partner2"
            ),
            "declared payload index: sort -payload.age, pages 1-10 (sum)": lambda: _ten_pages(
                queries, "-payload.age"
            ),
            "no payload index: sort -payload.rank, first page (partner)": lambda: queries.list(
                {"sort": "-payload.rank", "limit": "100"}, "partner2"
            ),
            "stats by status and partner (admin)": lambda: queries.stats(None),
        }
        result = [Figure(f"query at {documents} docs", "declared payload index built", "s", [build_s])]
        for kind, call in kinds.items():
            call()  # warm up
            samples = _time(call, repeats)
            print(
                f"  {kind}: p50 {statistics.median(samples):.1f} ms, p99 {_p99(samples):.1f} ms", flush=True
            )
            scenario = f"query at {documents} docs"
            result.append(Figure(scenario, f"{kind} p50", "ms", [statistics.median(samples)]))
            result.append(Figure(scenario, f"{kind} p99", "ms", [_p99(samples)]))
        return result
    finally:
        client.drop_database(name)
        client.close()


def _ten_pages(queries: RecordQueries, sort: str) -> object:
    """A first page and nine more through the cursor: keyset pages must not slow down with depth."""
    page = queries.list({"limit": "100", "sort": sort}, "partner3")
    for _ in range(9):
        page = queries.list({"limit": "100", "sort": sort, "cursor": page.next_cursor}, "partner3")
    return page


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.query_latency")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    result = figures(args.documents, args.repeats)
    print_table(result)
    write_json(result, {"documents": args.documents, "repeats": args.repeats})


if __name__ == "__main__":
    main()
