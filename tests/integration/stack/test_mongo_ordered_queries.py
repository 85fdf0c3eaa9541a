"""Filtered, sorted and limited finds answer what MongoDB's semantics give, whatever the server pushes down.

The dev stack's FerretDB runs with infra/ferretdb/patches/0002 (filters and sorts on top-level fields
answered by SQLite indexes, the limit stopping the scan early; `count` answered by SQL). `find` and
`count` take that path; an aggregation with the same stages does not (FerretDB filters and sorts it in
memory, as upstream does), so it is the reference. On real MongoDB both are the server's own and agree the same way.

Documents mix every scalar type in the same fields (null and missing too) but no arrays: the patch
assumes pushed-down fields never hold arrays, as the records view guarantees.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from pymongo import ASCENDING
from pymongo.collection import Collection

from query_svc.adapters.mongo.connection import make_mongo
from tests.stack import StackEndpoints

FIELDS = ("a", "b", "t")
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
SCALARS: list[Any] = [
    None,
    "",
    "a",
    "b",
    "ba",
    "h000",
    "ñandú",
    "Z",
    0,
    -3,
    7,
    2**40,
    -(2**53) - 1,
    2.5,
    -0.5,
    True,
    False,
    EPOCH,
    EPOCH - timedelta(days=20000),
    EPOCH + timedelta(seconds=1),
    ObjectId("65a1b2c3d4e5f60718293a4b"),
    ObjectId("00a1b2c3d4e5f60718293a4b"),
]
MISSING = object()
DOCUMENTS = 400
OPERATORS = ("$eq", "$gt", "$gte", "$lt", "$lte", "$in", "$ne", "$exists")


@pytest.fixture(scope="module")
def collection(stack: StackEndpoints) -> Iterator[Collection[dict[str, Any]]]:
    client = make_mongo(stack.mongo_url)
    coll = client["test"][f"ordered_{uuid.uuid4().hex[:8]}"]
    rng = random.Random(20261128)
    docs = []
    for n in range(DOCUMENTS):
        doc: dict[str, Any] = {"_id": f"d{n:04d}"}
        for field in FIELDS:
            value = rng.choice([*SCALARS, MISSING])
            if value is not MISSING:
                doc[field] = value
        docs.append(doc)
    coll.insert_many(docs)
    coll.create_index([("a", ASCENDING), ("t", ASCENDING), ("_id", ASCENDING)], name="a_t")
    coll.create_index([("b", ASCENDING), ("_id", ASCENDING)], name="b")
    yield coll
    coll.drop()
    client.close()


def test_random_finds_equal_the_in_memory_reference(collection: Collection[dict[str, Any]]) -> None:
    rng = random.Random(7)
    for _ in range(300):
        query = _random_filter(rng)
        sort = _random_sort(rng)
        limit = rng.randint(1, 40)
        found = [d["_id"] for d in collection.find(query, {"_id": 1}, sort=sort, limit=limit)]
        pipeline: list[dict[str, Any]] = [
            {"$match": query},
            {"$sort": dict(sort)},
            {"$limit": limit},
            {"$project": {"_id": 1}},
        ]
        expected = [d["_id"] for d in collection.aggregate(pipeline)]
        assert found == expected, f"filter {query!r}, sort {sort!r}, limit {limit}"


def test_random_counts_equal_the_in_memory_reference(collection: Collection[dict[str, Any]]) -> None:
    """The `count` command (which patch 0002 answers with SQL's count(*) when it translated the whole
    filter) against the same filter matched in an aggregation."""
    rng = random.Random(11)
    for _ in range(200):
        query = _random_filter(rng)
        counted = collection.database.command("count", collection.name, query=query)["n"]
        expected = next(collection.aggregate([{"$match": query}, {"$count": "n"}]), {"n": 0})["n"]
        assert counted == expected, f"filter {query!r}"


def test_keyset_pages_walk_a_partition_without_gaps_or_repeats(
    collection: Collection[dict[str, Any]],
) -> None:
    """The records view's own query shape: equality, then 'after this row' as $or, newest first."""
    rows = [{"_id": f"k{n:03d}", "a": "keyset", "t": EPOCH + timedelta(seconds=n // 4)} for n in range(90)]
    collection.insert_many(rows)
    expected = [r["_id"] for r in sorted(rows, key=lambda r: (r["t"], r["_id"]), reverse=True)]
    sort = [("t", -1), ("_id", -1)]
    seen: list[str] = []
    last: dict[str, Any] | None = None
    while True:
        query: dict[str, Any] = {"a": "keyset"}
        if last is not None:
            after = [{"t": {"$lt": last["t"]}}, {"t": last["t"], "_id": {"$lt": last["_id"]}}]
            query = {"$and": [query, {"t": {"$lte": last["t"]}}, {"$or": after}]}
        page = list(collection.find(query, {"_id": 1, "t": 1}, sort=sort, limit=7))
        if not page:
            break
        seen.extend(d["_id"] for d in page)
        last = page[-1]
    assert seen == expected


def _random_filter(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    roll = rng.random()
    if depth < 2 and roll < 0.25:
        branches = [_random_filter(rng, depth + 1) for _ in range(rng.randint(1, 3))]
        return {rng.choice(["$and", "$or"]): branches}
    clause: dict[str, Any] = {}
    for field in rng.sample(FIELDS, rng.randint(1, 2)):
        op = rng.choice(OPERATORS)
        if op == "$in":
            clause[field] = {"$in": rng.sample(SCALARS, rng.randint(1, 4))}
        elif op == "$exists":
            clause[field] = {"$exists": rng.random() < 0.5}
        elif op == "$eq" and rng.random() < 0.5:
            clause[field] = rng.choice(SCALARS)
        else:
            clause[field] = {op: rng.choice(SCALARS)}
    if rng.random() < 0.2:  # a lookup by id beside other conditions (patch 0002 keeps those off indexes)
        ids = [f"d{n:04d}" for n in rng.sample(range(DOCUMENTS), rng.randint(1, 120))]
        clause["_id"] = {"$in": ids} if len(ids) > 1 else ids[0]
    return clause


def _random_sort(rng: random.Random) -> list[tuple[str, int]]:
    keys = [(field, rng.choice([1, -1])) for field in rng.sample(FIELDS, rng.randint(1, 2))]
    return [*keys, ("_id", keys[-1][1])]
