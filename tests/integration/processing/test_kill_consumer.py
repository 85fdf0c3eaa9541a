"""`python -m processing_svc consume` killed with SIGKILL mid-stream resumes without duplicate events."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pulsar
import pytest
from sqlalchemy import Table, func, select

from eventkit.postgres.schema import events, inbox, outbox
from tests.helpers import delete_topics, wait_until
from tests.integration.processing.conftest import Processing, publish
from tests.stack import REPO_ROOT, StackEndpoints
from tests.unit.processing.support import ingested

RECORDS = 300


@pytest.fixture
def namespace(stack: StackEndpoints) -> Iterator[str]:
    """A namespace of its own, so the service's fixed topic names (data-ingested, ...) are fresh."""
    name = f"public/test-proc-{uuid.uuid4().hex[:10]}"
    stack.pulsar_admin.request("PUT", f"/namespaces/{name}", timeout_s=30).raise_for_status()
    yield f"persistent://{name}"
    delete_topics(stack.pulsar_admin, f"persistent://{name}", name)  # every topic of the namespace
    stack.pulsar_admin.request("DELETE", f"/namespaces/{name}", params={"force": "true"}, timeout_s=30)


def _consumer(stack: StackEndpoints, schema: str, namespace: str) -> subprocess.Popen[bytes]:
    database_url = f"{stack.processing_db_url}?options={quote(f'-c search_path={schema}')}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        **stack.pulsar_environ,
        "PULSAR_NAMESPACE": namespace,
        "LOG_LEVEL": "WARNING",
        # The records are plain (legacy), so no key is ever asked for; the consumer only needs one to start.
        "KEY_SERVICE_API_KEY": "dik_unused_plain_records_only",
    }
    command = [sys.executable, "-m", "processing_svc", "consume"]
    return subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _count(processing: Processing, table: Table) -> int:
    with processing.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_killed_consumer_resumes_without_duplicates(
    stack: StackEndpoints, client: pulsar.Client, processing: Processing, namespace: str
) -> None:
    with processing.engine.connect() as connection:
        schema = str(connection.exec_driver_sql("SELECT current_schema()").scalar_one())
    publish(
        client,
        f"{namespace}/data-ingested",
        [ingested({"name": f"R{n}", "age": n % 90}) for n in range(RECORDS)],
    )
    first = _consumer(stack, schema, namespace)
    try:
        wait_until(lambda: _count(processing, inbox) >= 20, timeout_s=60, what="the first records")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    assert _count(processing, inbox) < RECORDS, "the kill came too late to interrupt anything"
    second = _consumer(stack, schema, namespace)
    try:
        wait_until(lambda: _count(processing, inbox) == RECORDS, timeout_s=120, what="every record")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    assert _count(processing, events) == RECORDS * 4
    assert _count(processing, outbox) == RECORDS
