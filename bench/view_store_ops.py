"""CPU the view store (FerretDB on the native stack) spends per document, for each kind of operation the
projector and the query API send it: inserting timeline slots and views, replacing views in bulk, and reading
views back. The baseline of a replace is the insert of the same documents, which is what a replace would cost
if updating a row cost no more than writing it: infra/ferretdb/patches/0006 and 0007 moved that ratio.

Works on scratch collections of the `query` database (dropped at the end), through the stack's MONGO_URL.

    python -m bench.view_store_ops [--documents 2000] [--bulk 20]
"""

from __future__ import annotations

import argparse
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pymongo import ReplaceOne
from pymongo.collection import Collection

from bench.cpu import CpuMeter
from bench.report import Figure, print_table, write_json
from query_svc.adapters.mongo.connection import make_mongo
from query_svc.adapters.mongo.indexes import RECORD_INDEXES

SCENARIO = "view store CPU per document"
STORE = "mongodb"  # the supervised program's name
Document = dict[str, Any]


def _view(data_id: str, status: str, now: datetime) -> Document:
    """A view document shaped like a complete record's (~1.2 KB)."""
    payload = {"name": "Ada", "age": 36, "address": {"city": "Madrid", "zip": "28001"}, "tags": ["a", "b"]}
    return {
        "_id": data_id,
        "partner_id": "bench",
        "status": status,
        "timestamp": now,
        "updated_at": now,
        "version": 1,
        "payload": payload,
        "validation": {"status": "valid", "errors": [], "ruleset_version": "1", "validated_at": now},
        "processing": {
            "status": "processed",
            "result": {"payload": payload, "enrich": {"field_count": 4, "age_group": "adult"}},
            "steps": [{"name": n, "version": "1", "status": "succeeded"} for n in ("normalize", "enrich")],
        },
        "_applied": 3,
    }


def _slot(data_id: str, slot: int, now: datetime) -> Document:
    return {
        "_id": f"{data_id}/{slot}",
        "event_id": str(uuid.uuid4()),
        "data_id": data_id,
        "event_type": "DataIngested",
        "occurred_at": now,
        "producer": "bench",
        "partner_id": "bench",
        "record_version": 1,
        "data": {"payload": {"name": "Ada", "age": 36}},
    }


@contextmanager
def _scratch(url: str) -> Iterator[tuple[Collection[Document], Collection[Document]]]:
    client = make_mongo(url)
    suffix = uuid.uuid4().hex[:8]
    database = client.get_default_database("query")
    views, slots = database[f"bench_views_{suffix}"], database[f"bench_slots_{suffix}"]
    views.create_indexes(RECORD_INDEXES)
    try:
        yield views, slots
    finally:
        database.drop_collection(views.name)
        database.drop_collection(slots.name)
        client.close()


def _per_document(documents: int, bulk: int, operation: Callable[[list[int]], object]) -> float:
    """The store's CPU ms per document while `operation` runs over all documents, `bulk` at a time."""
    with CpuMeter() as meter:
        for start in range(0, documents, bulk):
            operation(list(range(start, min(start + bulk, documents))))
    return meter.used.get(STORE, 0.0) * 1000 / documents


def measure(url: str, documents: int, bulk: int) -> dict[str, float]:
    now = datetime.now(UTC)
    ids = [str(uuid.uuid4()) for _ in range(documents)]
    with _scratch(url) as (views, slots):
        figures = {
            "insert timeline slots": _per_document(
                documents, bulk, lambda r: slots.insert_many([_slot(ids[i], 0, now) for i in r])
            ),
            "insert views": _per_document(
                documents, bulk, lambda r: views.insert_many([_view(ids[i], "received", now) for i in r])
            ),
            "replace views": _per_document(
                documents,
                bulk,
                lambda r: views.bulk_write(
                    [ReplaceOne({"_id": ids[i]}, _view(ids[i], "complete", now)) for i in r], ordered=False
                ),
            ),
            "read views by id": _per_document(
                documents, bulk, lambda r: list(views.find({"_id": {"$in": [ids[i] for i in r]}}))
            ),
        }
    return figures


def figures(measured: dict[str, float]) -> list[Figure]:
    out = []
    for operation, value in measured.items():
        baseline = "insert views" if operation == "replace views" else ""
        out.append(
            Figure(
                SCENARIO,
                operation,
                "µs",
                [value * 1000],
                baseline,
                [measured["insert views"] * 1000] if baseline else [],
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.view_store_ops", description=__doc__)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--bulk", type=int, default=20, help="documents per command, as the projector sends")
    args = parser.parse_args()
    url = store_url()
    print(f"    {args.documents} documents, {args.bulk} per command", flush=True)
    results = figures(measure(url, args.documents, args.bulk))
    print_table(results)
    print(f"\nwritten to {write_json(results, {'documents': args.documents, 'bulk': args.bulk})}")


def store_url() -> str:
    """MONGO_URL (`make bench` exports it), else the native stack's URL as infra/stack.env builds it."""
    if url := os.environ.get("MONGO_URL"):
        return url
    password = os.environ.get("MONGO_QUERY_PASSWORD")
    if not password:
        raise SystemExit("set MONGO_URL, or MONGO_QUERY_PASSWORD: `set -a; source .run/credentials.env`")
    port = os.environ.get("MONGO_PORT", "27017")
    return f"mongodb://query:{password}@127.0.0.1:{port}/query?authSource=query"


if __name__ == "__main__":
    main()
