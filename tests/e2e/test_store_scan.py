"""The store scanner finds what is planted in each kind of store, in each encoding: so when the erasure proof
finds nothing, there was nothing to find."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import redis
from pymongo import MongoClient
from sqlalchemy import text

from eventkit.postgres.engine import make_engine
from tests.e2e.store_scan import (
    Finder,
    encodings,
    scan_logs,
    scan_mongo,
    scan_postgres,
    scan_redis,
    scan_sqlite_files,
    scan_topics,
)
from tests.helpers import delete_topics
from tests.stack import REPO_ROOT, StackEndpoints


def _marker() -> bytes:
    return f"planted-{uuid.uuid4().hex}".encode()


def test_every_encoding_of_a_needle_is_found_inside_longer_encoded_values() -> None:
    needle = _marker()
    for prefix in (b"", b"a", b"ab", b"abc"):
        blob = prefix + needle + b"tail"
        finder = Finder([needle])
        for encoded in (blob.hex(), blob.hex().upper()):
            finder.look("hex", encoded.encode())
        finder.look("b64", base64.b64encode(blob))
        finder.look("b64url", base64.urlsafe_b64encode(blob))
        assert [where.split(" :: ")[0] for where in finder.found] == ["hex", "hex", "b64", "b64url"], prefix
    assert Finder([needle]).found == [] and needle in encodings(needle)


def test_a_needle_planted_in_postgres_redis_mongo_sqlite_a_topic_and_a_log_is_found_there(
    stack: StackEndpoints, tmp_path: Path
) -> None:
    needle = _marker()
    table = f"scan_plant_{uuid.uuid4().hex[:12]}"
    engine = make_engine(stack.processing_db_url)
    client = redis.Redis.from_url(stack.redis_url)
    mongo: MongoClient[dict[str, object]] = MongoClient(stack.mongo_url)
    collection = mongo.get_default_database()[table]
    topic = f"{stack.pulsar_namespace}/{table}"
    pulsar_client = stack.pulsar_client()
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE TABLE {table} (value jsonb)"))
            connection.execute(
                text(f"INSERT INTO {table} VALUES (:v)"), {"v": f'{{"x": "{needle.decode()}"}}'}
            )
        client.set(f"scan-plant:{table}", base64.b64encode(b"xy" + needle))
        collection.insert_one({"payload": {"name": needle.decode()}})
        producer = pulsar_client.create_producer(topic)
        producer.send(needle.hex().encode())
        producer.close()
        (tmp_path / "service.log").write_bytes(b"line " + needle + b"\n")

        finder = Finder([needle])
        scan_postgres(finder, "processing", stack.processing_db_url)
        scan_redis(finder, stack.redis_url)
        scan_mongo(finder, stack.mongo_url)
        scan_sqlite_files(finder, REPO_ROOT / ".run" / "ferretdb")
        scan_topics(finder, stack)
        scan_logs(finder, tmp_path)
        places = {where.split(" :: ")[0] for where in finder.found}
        assert f"postgres processing public.{table}" in places
        assert f"redis b'scan-plant:{table}'" in places
        assert f"mongo {collection.database.name}.{table}" in places
        assert "sqlite file query.sqlite" in places or "sqlite file query.sqlite-wal" in places
        assert f"topic {topic}" in places
        assert "log service.log" in places
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()
        client.delete(f"scan-plant:{table}")
        client.close()
        collection.drop()
        mongo.close()
        pulsar_client.close()
        delete_topics(stack.pulsar_admin, stack.pulsar_namespace, table)
