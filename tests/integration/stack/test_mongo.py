"""MongoDB-wire round-trip (insert, index, find) through query's connection factory."""

from __future__ import annotations

import uuid

import pytest
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from query_svc.adapters.mongo.connection import make_mongo, mongo_check
from tests.stack import StackEndpoints


def test_insert_then_find_by_an_indexed_field(stack: StackEndpoints) -> None:
    client = make_mongo(stack.mongo_url)
    collection = client["test"][f"roundtrip_{uuid.uuid4().hex[:8]}"]
    try:
        index = collection.create_index([("partner_id", ASCENDING), ("seq", ASCENDING)], unique=True)
        collection.insert_many([{"partner_id": p, "seq": n} for p in ("a", "b") for n in range(5)])
        found = list(collection.find({"partner_id": "b", "seq": {"$gte": 3}}, {"_id": 0}).hint(index))
        assert found == [{"partner_id": "b", "seq": 3}, {"partner_id": "b", "seq": 4}]
        assert index in collection.index_information()
        # The unique index is real: the server enforces it.
        with pytest.raises(DuplicateKeyError):
            collection.insert_one({"partner_id": "a", "seq": 0})
    finally:
        collection.drop()
        client.close()


def test_readiness_check_pings_the_database(stack: StackEndpoints) -> None:
    client = make_mongo(stack.mongo_url)
    assert mongo_check(client["query"])() == "database query answers"
    client.close()
