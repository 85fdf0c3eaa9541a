"""The baseline a service is measured against: a minimal Flask endpoint doing one PostgreSQL insert."""

from __future__ import annotations

import json
import os
import uuid

from a2wsgi import WSGIMiddleware
from flask import Flask, request
from sqlalchemy import text

from eventkit.postgres.engine import make_engine

TABLE = "bench.baseline_events"
OUTBOX_TABLE = "bench.baseline_outbox"
DDL = f"""
CREATE SCHEMA IF NOT EXISTS bench;
CREATE TABLE IF NOT EXISTS {TABLE} (
    position bigserial PRIMARY KEY, stream_id text NOT NULL, version int NOT NULL,
    event_id uuid NOT NULL UNIQUE, event_type text NOT NULL, data jsonb NOT NULL,
    metadata jsonb NOT NULL, occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, version));
CREATE TABLE IF NOT EXISTS {OUTBOX_TABLE} (
    id bigserial PRIMARY KEY, event_id uuid NOT NULL, topic text NOT NULL, message_key text NOT NULL,
    payload bytea NOT NULL, properties jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())
"""
INSERT = text(
    f"INSERT INTO {TABLE} (stream_id, version, event_id, event_type, data, metadata, occurred_at) "
    "VALUES (:s, 1, :e, 'DataReceived', CAST(:d AS jsonb), '{}', now())"
)

app = Flask(__name__)
engine = make_engine(
    os.environ.get("DATABASE_URL", "postgresql://ingestion:ingestion@localhost:5432/ingestion")
)


@app.post("/ingest")
def ingest() -> tuple[dict[str, object], int]:
    body = request.get_json()
    record_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(INSERT, {"s": record_id, "e": str(uuid.uuid4()), "d": json.dumps(body)})
    return {"id": record_id, "partner_id": body["partner_id"], "version": 1}, 201


# Served like the services: an asyncio worker hands each complete request to one of N threads.
asgi = WSGIMiddleware(app, workers=int(os.environ.get("BASELINE_THREADS", "4")))  # type: ignore[arg-type]
