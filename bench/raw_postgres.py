"""Raw PostgreSQL write speed into a table shaped like the event store: multi-row INSERT and COPY, and
multi-row INSERTs of the two rows each ingested record needs (its event and its outbox message)."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg2
from psycopg2.extras import execute_values

from bench.baseline_app import OUTBOX_TABLE, TABLE

COLUMNS = "(stream_id, version, event_id, event_type, data, metadata, occurred_at)"
OUTBOX_COLUMNS = "(event_id, topic, message_key, payload, properties)"
# About the size of an encoded DataIngested of the bench's records.
_MESSAGE = b"x" * 640


def _rows(count: int) -> list[tuple[Any, ...]]:
    payload = json.dumps({"partner_id": "bench", "payload": {"name": "Ada", "age": 30}})
    return [
        (str(uuid.uuid4()), 1, str(uuid.uuid4()), "DataReceived", payload, "{}", "now()")
        for _ in range(count)
    ]


def _insert(cursor: Any, size: int) -> None:
    _insert_rows(cursor, _rows(size))


def _insert_rows(cursor: Any, rows: list[tuple[Any, ...]]) -> None:
    execute_values(cursor, f"INSERT INTO {TABLE} {COLUMNS} VALUES %s", rows, page_size=len(rows))


def _insert_with_outbox(cursor: Any, size: int) -> None:
    rows = _rows(size)
    _insert_rows(cursor, rows)
    messages = [(row[2], "data-ingested", row[0], _MESSAGE, "{}") for row in rows]
    execute_values(cursor, f"INSERT INTO {OUTBOX_TABLE} {OUTBOX_COLUMNS} VALUES %s", messages, page_size=size)


def _copy(cursor: Any, size: int) -> None:
    buffer = io.StringIO()
    for row in _rows(size):
        buffer.write("\t".join(str(v).replace("\\", "\\\\") for v in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {TABLE} {COLUMNS} FROM STDIN", buffer)


_WRITERS: dict[str, Callable[[Any, int], None]] = {
    "insert": _insert,
    "insert+outbox": _insert_with_outbox,
    "copy": _copy,
}


@dataclass(frozen=True)
class RawLoad:
    size: int  # records per transaction
    threads: int
    seconds: float
    method: str  # "insert" (multi-row INSERT), "insert+outbox" (also each row's outbox row) or "copy"


def records_per_second(dsn: str, load: RawLoad) -> float:
    """Each thread commits `size` records per transaction for `seconds`; returns records/s of all threads."""
    write: Callable[[Any, int], None] = _WRITERS[load.method]
    size, threads, seconds = load.size, load.threads, load.seconds
    counts = [0] * threads
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        connection = psycopg2.connect(dsn)
        try:
            while time.monotonic() < deadline:
                with connection, connection.cursor() as cursor:
                    write(cursor, size)
                counts[index] += size
        finally:
            connection.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.monotonic() - started)
