"""An `update` command of many updates answers what MongoDB's semantics give, however the server writes it.

The dev stack's FerretDB runs with infra/ferretdb/patches/0006: the documents one command replaces are
written together at its end, in one transaction, unless a later update of the same command may read one of
them, which writes them first. So every case here has an update that depends on an earlier one of the same
command; the expected documents are what MongoDB answers (each update sees the ones before it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from bson import ObjectId
from pymongo import InsertOne, MongoClient, ReplaceOne, UpdateMany, UpdateOne
from pymongo.collection import Collection

from query_svc.adapters.mongo.connection import make_mongo
from tests.stack import StackEndpoints

Document = dict[str, Any]


@pytest.fixture
def collection(stack: StackEndpoints) -> Iterator[Collection[Document]]:
    client = make_mongo(stack.mongo_url)
    coll = client["test"][f"updates_{uuid.uuid4().hex[:8]}"]
    yield coll
    coll.drop()
    client.close()


def _all(collection: Collection[Document]) -> list[Document]:
    return list(collection.find({}, sort=[("_id", 1)]))


def test_updates_of_one_document_in_one_command_each_see_the_one_before(
    collection: Collection[Document],
) -> None:
    collection.insert_one({"_id": "a", "n": 0})
    result = collection.bulk_write(
        [
            UpdateOne({"_id": "a"}, {"$inc": {"n": 1}}),
            ReplaceOne({"_id": "a"}, {"n": 10, "kept": True}),
            UpdateOne({"_id": "a"}, {"$inc": {"n": 1}}),
            UpdateOne({"_id": "a"}, {"$inc": {"n": 1}}),
        ],
        ordered=False,
    )
    assert (result.matched_count, result.modified_count) == (4, 4)
    assert _all(collection) == [{"_id": "a", "n": 12, "kept": True}]


def test_a_filter_on_another_field_reads_the_replacements_made_before_it(
    collection: Collection[Document],
) -> None:
    collection.insert_many([{"_id": f"d{i}", "status": "old"} for i in range(5)])
    result = collection.bulk_write(
        [
            ReplaceOne({"_id": "d1"}, {"status": "new"}),
            ReplaceOne({"_id": "d3"}, {"status": "new"}),
            UpdateMany({"status": "new"}, {"$set": {"seen": True}}),
            ReplaceOne({"_id": "d4"}, {"status": "new"}),
        ]
    )
    assert result.matched_count == 5
    assert _all(collection) == [
        {"_id": "d0", "status": "old"},
        {"_id": "d1", "status": "new", "seen": True},
        {"_id": "d2", "status": "old"},
        {"_id": "d3", "status": "new", "seen": True},
        {"_id": "d4", "status": "new"},
    ]


def test_replacements_and_upserts_mixed_in_one_command(collection: Collection[Document]) -> None:
    collection.insert_many([{"_id": "x", "v": 1}, {"_id": 7, "v": 1}])
    oid = ObjectId()
    result = collection.bulk_write(
        [
            ReplaceOne({"_id": "x"}, {"v": 2}, upsert=True),
            ReplaceOne({"_id": "y"}, {"v": 1}, upsert=True),  # new: inserted
            ReplaceOne({"_id": "y"}, {"v": 2}, upsert=True),  # reads the one just inserted
            UpdateOne({"_id": 7}, {"$inc": {"v": 1}}),  # an _id that is not a string
            UpdateOne({"_id": 7}, {"$inc": {"v": 1}}),
            ReplaceOne({"_id": oid}, {"v": 1}, upsert=True),
            UpdateOne({"_id": oid}, {"$inc": {"v": 1}}),
            UpdateOne({"_id": "x"}, {"$inc": {"v": 10}}),
        ],
        ordered=True,
    )
    assert result.upserted_count == 2
    assert {d["_id"]: d["v"] for d in _all(collection)} == {"x": 12, "y": 2, 7: 3, oid: 2}


def test_a_command_of_hundreds_of_replacements_completes(stack: StackEndpoints) -> None:
    """Upstream held each update's read cursor (and a pooled connection) until the command ended: one
    command of ~100 updates took every connection and hung. The socket timeout turns a hang into a failure."""
    bounded: MongoClient[Document] = MongoClient(stack.mongo_url, socketTimeoutMS=30_000, tz_aware=True)
    coll = bounded["test"][f"many_{uuid.uuid4().hex[:8]}"]
    try:
        coll.bulk_write([InsertOne({"_id": f"r{i:03d}", "v": 0}) for i in range(300)])
        result = coll.bulk_write(
            [ReplaceOne({"_id": f"r{i:03d}"}, {"v": 1}) for i in range(300)], ordered=False
        )
        assert result.modified_count == 300
        assert coll.count_documents({"v": 1}) == 300
    finally:
        coll.drop()
        bounded.close()
