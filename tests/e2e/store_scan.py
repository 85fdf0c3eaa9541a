"""Reads every store and topic of the running stack for some bytes, in plain, hex and base64.

The erasure proof (test_erasure.py) asks it where a record's payload can still be read: every table of
ingestion's and processing's PostgreSQL, every Redis key, every collection of the query database, the
SQLite files FerretDB keeps them in, every topic of the namespace (dead letters included) and the services'
logs. test_store_scan.py plants bytes in each kind of store and sees them found, so a clean answer means
clean stores, not a blind scanner.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pulsar
import redis
from bson.raw_bson import RawBSONDocument
from pymongo import MongoClient
from sqlalchemy import text

from eventkit.postgres.engine import make_engine
from eventkit.pulsar.admin import topics_path
from tests.stack import REPO_ROOT, StackEndpoints


def encodings(needle: bytes) -> list[bytes]:
    """The needle as it can appear in a store: itself, hex (both cases) and base64 (standard and URL-safe)
    at each of the three alignments a longer encoded value can place it at (the last, partial group cut)."""
    forms = [needle, needle.hex().encode(), needle.hex().upper().encode()]
    for skip in range(3):
        rest = needle[skip:]
        cut = len(rest) - len(rest) % 3
        forms.append(base64.b64encode(rest[:cut]))
        forms.append(base64.urlsafe_b64encode(rest[:cut]))
    return forms


class Finder:
    """Collects where any form of any needle was seen."""

    def __init__(self, needles: Iterable[bytes]) -> None:
        self._forms = {form: needle for needle in needles for form in encodings(needle)}
        self.found: list[str] = []

    def look(self, where: str, blob: bytes) -> None:
        for form, needle in self._forms.items():
            if form in blob:
                self.found.append(f"{where} :: {needle[:40]!r} as {form[:24]!r}")


def scan_postgres(finder: Finder, name: str, url: str) -> None:
    """Every row of every table of every schema but the catalogs, as PostgreSQL's text form of the row."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = connection.execute(
                text(
                    "SELECT table_schema, table_name FROM information_schema.tables "
                    "WHERE table_type = 'BASE TABLE' "
                    "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
                )
            ).all()
            for schema, table in tables:
                rows = connection.execute(text(f'SELECT t::text FROM "{schema}"."{table}" AS t'))
                for (row,) in rows:
                    finder.look(f"postgres {name} {schema}.{table}", row.encode())
    finally:
        engine.dispose()


def scan_redis(finder: Finder, url: str) -> None:
    """Every key's value, whatever its type (streams entry by entry)."""
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(count=1000):
            for blob in _redis_values(client, key):
                finder.look(f"redis {key!r}", blob)
    finally:
        client.close()


def _redis_values(client: Any, key: bytes) -> Iterator[bytes]:
    """A key and its value as bytes (the client is untyped here: redis-py types its answers loosely)."""
    kind = client.type(key)
    yield key
    if kind == b"string":
        yield client.get(key) or b""
    elif kind == b"hash":
        yield b" ".join(k + b"=" + v for k, v in client.hgetall(key).items())
    elif kind == b"list":
        yield b" ".join(client.lrange(key, 0, -1))
    elif kind == b"set":
        yield b" ".join(client.smembers(key))
    elif kind == b"zset":
        yield b" ".join(client.zrange(key, 0, -1))
    elif kind == b"stream":
        start = "-"
        while True:
            entries = client.xrange(key, min=start, count=1000)
            for _entry_id, fields in entries:
                yield b" ".join(k + b"=" + v for k, v in fields.items())
            if len(entries) < 1000:
                return
            start = "(" + entries[-1][0].decode()


def scan_mongo(finder: Finder, url: str) -> None:
    """Every document of every collection of the URL's database, as the BSON the server sends."""
    client: MongoClient[RawBSONDocument] = MongoClient(url, document_class=RawBSONDocument)
    try:
        database = client.get_default_database()
        for name in database.list_collection_names():
            for document in database[name].find({}, batch_size=1000):
                finder.look(f"mongo {database.name}.{name}", bytes(document.raw))
    finally:
        client.close()


def scan_sqlite_files(finder: Finder, directory: Path) -> None:
    """The raw pages of FerretDB's SQLite databases, after folding each write-ahead log into its database
    (SQLite does so by itself every 1,000 pages; here at once, so the files hold only current pages)."""
    for database in sorted(directory.glob("*.sqlite")):
        with closing(sqlite3.connect(database, timeout=30)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for path in (database, database.with_name(database.name + "-wal")):
            if path.exists():
                finder.look(f"sqlite file {path.name}", path.read_bytes())


def scan_topics(finder: Finder, stack: StackEndpoints) -> None:
    """Every message of every persistent topic of the namespace, dead letters included: its key, its
    properties and its bytes."""
    names = stack.pulsar_admin.get(topics_path(stack.pulsar_namespace), timeout_s=10).json()
    client = stack.pulsar_client()
    try:
        for topic in names:
            reader = client.create_reader(topic, pulsar.MessageId.earliest)
            try:
                while reader.has_message_available():
                    message = reader.read_next(timeout_millis=10_000)
                    properties = " ".join(f"{k}={v}" for k, v in message.properties().items())
                    finder.look(f"topic {topic}", message.data() + b" " + properties.encode())
                    finder.look(f"topic {topic} key", (message.partition_key() or "").encode())
            finally:
                reader.close()
    finally:
        client.close()


def scan_logs(finder: Finder, directory: Path) -> None:
    """Every log file the services and stores wrote."""
    for path in sorted(directory.glob("*.log*")):
        finder.look(f"log {path.name}", path.read_bytes())


def scan_everything(finder: Finder, stack: StackEndpoints, run_dir: Path = REPO_ROOT / ".run") -> None:
    """Every store, topic and log of the local stack."""
    scan_postgres(finder, "ingestion", stack.ingestion_db_url)
    scan_postgres(finder, "processing", stack.processing_db_url)
    scan_redis(finder, stack.redis_url)
    scan_mongo(finder, stack.mongo_url)
    if (run_dir / "ferretdb").is_dir():
        scan_sqlite_files(finder, run_dir / "ferretdb")
    scan_topics(finder, stack)
    scan_logs(finder, run_dir / "logs")
