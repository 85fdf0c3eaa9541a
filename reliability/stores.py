"""Reads what every store ended with for a scenario's records: ingestion, validation, processing, the view."""

from __future__ import annotations

import json
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import redis
from sqlalchemy import create_engine, text

from reliability.settings import Stack


@dataclass
class ViewRecord:
    record_id: str
    partner_id: str
    version: int
    status: str


@dataclass
class StoreState:
    """Per store, what it holds for the scenario's records."""

    ingestion_streams: dict[str, tuple[str, int, int]] = field(
        default_factory=dict
    )  # id → partner, seq, version
    ingestion_seq_streams: Counter[int] = field(default_factory=Counter)  # seq → streams holding it
    processing_runs: Counter[tuple[str, int]] = field(default_factory=Counter)  # (id, version) → runs
    validation_runs: Counter[tuple[str, int]] = field(default_factory=Counter)  # (id, version) → runs
    view: dict[str, ViewRecord] = field(default_factory=dict)
    view_per_partner: Counter[str] = field(default_factory=Counter)


def read_ingestion(stack: Stack, partners: list[str], state: StoreState) -> None:
    """Every record the partners have in ingestion's event store, with its seq and newest version."""
    engine = create_engine(stack.ingestion_db_url, pool_pre_ping=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT e.stream_id, e.data->>'partner_id', (e.data->'payload'->>'seq')::int,"
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


def read_processing(stack: Stack, ids: list[str], state: StoreState) -> None:
    """How many times processing ran each record version (its first step's events)."""
    engine = create_engine(stack.processing_db_url, pool_pre_ping=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT stream_id, (data->>'record_version')::int, count(*) FROM events"
                    " WHERE stream_id = ANY(:ids) AND data->>'step' = 'normalize' GROUP BY 1, 2"
                ),
                {"ids": ids},
            )
            for stream_id, version, runs in rows:
                state.processing_runs[(stream_id, version)] = runs
    finally:
        engine.dispose()


def read_validation(stack: Stack, ids: list[str], state: StoreState) -> None:
    """How many times validation completed each record version, from the per-record Redis streams."""
    client = redis.Redis.from_url(stack.redis_url)
    try:
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
