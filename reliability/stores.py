"""Reads what every store ended with for a scenario's partners: ingestion, validation, processing, the view.

Each store is read on its own, directly where it can be (SQL, Redis, MongoDB) and the view also through
its HTTP API, so the checker compares independent accounts rather than one snapshot with itself.
"""

from __future__ import annotations

import json
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import redis
from pymongo import MongoClient
from sqlalchemy import create_engine, text

from reliability.settings import Stack

# Where query_svc keeps the active generation of its view (query_svc/adapters/mongo/generations.py).
_VIEW_DATABASE = "query"
_VIEW_POINTER = ("view_pointer", "active")
_VALIDATION_LOG = "validation:log"
_LOG_PAGE = 5000


@dataclass(frozen=True)
class ViewRecord:
    record_id: str
    partner_id: str
    version: int
    status: str


@dataclass
class StoreState:
    """Per store, what it holds for the scenario's partners."""

    ingestion_streams: dict[str, tuple[str, int, int]] = field(
        default_factory=dict
    )  # id → partner, seq, version
    ingestion_seq_streams: Counter[int] = field(default_factory=Counter)  # seq → streams holding it
    processing_runs: Counter[tuple[str, int]] = field(default_factory=Counter)  # (id, version) → runs
    validation_runs: Counter[tuple[str, int]] = field(default_factory=Counter)  # (id, version) → runs
    validation_log_runs: Counter[tuple[str, int]] = field(default_factory=Counter)  # the same, global log
    processing_latest: dict[str, tuple[str, int]] = field(default_factory=dict)  # id → partner, version
    validation_latest: dict[str, tuple[str, int]] = field(default_factory=dict)  # id → partner, version
    view: dict[str, ViewRecord] = field(default_factory=dict)  # through the query API
    view_store: dict[str, ViewRecord] = field(default_factory=dict)  # read from MongoDB itself


def read_ingestion(stack: Stack, partners: list[str], state: StoreState) -> None:
    """Every record the partners have in ingestion's event store, with its seq and newest version (the seq
    from the record's external id `seq-<n>`: the payload is sealed there)."""
    engine = create_engine(stack.ingestion_db_url, pool_pre_ping=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT e.stream_id, e.data->>'partner_id', substr(e.data->>'external_id', 5)::int,"
                    " (SELECT max(v.version) FROM events v WHERE v.stream_id = e.stream_id)"
                    " FROM events e WHERE e.event_type = 'DataReceived' AND e.data->>'partner_id' = ANY(:p)"
                ),
                {"p": partners},
            )
            for stream_id, partner, seq, version in rows:
                state.ingestion_streams[stream_id] = (partner, seq, version)
                state.ingestion_seq_streams[seq] += 1
    finally:
        engine.dispose()


def read_processing(stack: Stack, partners: list[str], state: StoreState) -> None:
    """How many times processing ran each record version of the partners (its first step's events)."""
    engine = create_engine(stack.processing_db_url, pool_pre_ping=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT stream_id, metadata->>'partner_id', (data->>'record_version')::int, count(*)"
                    " FROM events WHERE metadata->>'partner_id' = ANY(:p) AND data->>'step' = 'normalize'"
                    " GROUP BY 1, 2, 3"
                ),
                {"p": partners},
            )
            for stream_id, partner, version, runs in rows:
                state.processing_runs[(stream_id, version)] = runs
                _keep_latest(state.processing_latest, stream_id, partner, version)
    finally:
        engine.dispose()


def read_validation(
    stack: Stack, partners: list[str], ids: list[str], since_ms: int, state: StoreState
) -> None:
    """Validation's completed runs of the partners' records, from its global log (entries since
    `since_ms`) and from the own stream of each of those records and of `ids` (the checker holds the two
    accounts to each other)."""
    client = redis.Redis.from_url(stack.redis_url)
    wanted = set(partners)
    try:
        start = f"{since_ms}-0"
        while rows := _page(client, start):
            for _, fields in rows:
                entry = json.loads(fields[b"entry"])
                if entry["type"] == "ValidationCompleted" and entry["partner_id"] in wanted:
                    rid, version = entry["data_id"], int(entry["record_version"])
                    state.validation_log_runs[(rid, version)] += 1
                    _keep_latest(state.validation_latest, rid, entry["partner_id"], version)
            start = "(" + rows[-1][0].decode()
        _count_record_streams(client, sorted(set(state.validation_latest) | set(ids)), state)
    finally:
        client.close()


def _page(client: redis.Redis, start: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
    rows: Any = client.xrange(_VALIDATION_LOG, min=start, count=_LOG_PAGE)
    return list(rows)


def _count_record_streams(client: redis.Redis, ids: list[str], state: StoreState) -> None:
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        pipe = client.pipeline(transaction=False)
        for record_id in chunk:
            pipe.xrange(f"validation:record:{record_id}")
        for record_id, entries in zip(chunk, pipe.execute(), strict=True):
            for _, fields in entries:
                entry = json.loads(fields[b"entry"])
                if entry["type"] == "ValidationCompleted":
                    state.validation_runs[(record_id, int(entry["record_version"]))] += 1


def _keep_latest(latest: dict[str, tuple[str, int]], record_id: str, partner: str, version: int) -> None:
    known = latest.get(record_id)
    if known is None or known[1] < int(version):
        latest[record_id] = (partner, int(version))


def read_view_store(stack: Stack, partners: list[str], state: StoreState) -> None:
    """The partners' records in the active generation of the view, read from MongoDB itself."""
    client: MongoClient[dict[str, Any]] = MongoClient(stack.mongo_url, serverSelectionTimeoutMS=10_000)
    try:
        database = client[_VIEW_DATABASE]
        pointer = database[_VIEW_POINTER[0]].find_one({"_id": _VIEW_POINTER[1]})
        generation = "initial" if pointer is None else str(pointer["generation"])
        records = database["records" if generation == "initial" else f"records_{generation}"]
        fields = {"_id": 1, "partner_id": 1, "version": 1, "status": 1}
        for doc in records.find({"partner_id": {"$in": partners}}, fields):
            if doc["status"] == "awaiting":  # results that came before their DataIngested: never shown
                continue
            record = ViewRecord(str(doc["_id"]), doc["partner_id"], int(doc["version"]), doc["status"])
            state.view_store[record.record_id] = record
    finally:
        client.close()


async def read_view(session: aiohttp.ClientSession, stack: Stack, partners: list[str]) -> list[ViewRecord]:
    """Every record of the partners in the query view, read page by page through its HTTP API."""
    found: list[ViewRecord] = []
    headers = {"Authorization": f"Bearer {stack.admin_key}"}
    for partner in partners:
        url: str | None = (
            f"{stack.url('QUERY_PORT')}/query/partner/{partner}?limit=1000&fields=id,version,status,partner_id"
        )
        while url is not None:
            async with session.get(url, headers=headers) as response:
                response.raise_for_status()
                page: list[dict[str, Any]] = await response.json()
                url = _next_link(url, response.headers.get("Link"))
            found.extend(ViewRecord(r["id"], r["partner_id"], int(r["version"]), r["status"]) for r in page)
    return found


def _next_link(current: str, link: str | None) -> str | None:
    if not link or 'rel="next"' not in link:
        return None
    target = link.split(";", 1)[0].strip().strip("<>")
    return urllib.parse.urljoin(current, target)
