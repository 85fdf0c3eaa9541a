"""Starts the baseline app under gunicorn with the same settings the services use."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from sqlalchemy import text

from bench.baseline_app import DDL, OUTBOX_TABLE, TABLE
from eventkit.postgres.engine import make_engine
from reliability.settings import stack_environment

BASELINE_PORT = 5901


def prepare_baseline_table(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1)
    with engine.begin() as connection:
        connection.execute(text(DDL))
        connection.execute(text(f"TRUNCATE {TABLE}, {OUTBOX_TABLE}"))
    engine.dispose()


@contextmanager
def baseline_server(workers: int, threads: int) -> Iterator[str]:
    """Runs bench.baseline_app on 127.0.0.1 until the block ends; yields its base URL."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-b",
        f"127.0.0.1:{BASELINE_PORT}",
        "-k",
        "uvicorn_worker.UvicornWorker",  # the services' own server stack (eventkit.http.server)
        "-w",
        str(workers),
        "--keep-alive",
        "30",
        "bench.baseline_app:asgi",
    ]
    database_url = stack_environment()["INGESTION_DATABASE_URL"]
    environ = {**os.environ, "BASELINE_THREADS": str(threads), "DATABASE_URL": database_url}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environ)
    url = f"http://127.0.0.1:{BASELINE_PORT}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.post(f"{url}/ingest", json={"partner_id": "warmup", "payload": {}}, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(30)
