"""With the broker stopped, ingest still answers 201; once it is back, every event is published in order."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import text

import contracts
from eventkit.auth.keys import add_key
from eventkit.pulsar.admin import pulsar_check
from eventkit.settings import Env
from ingestion_svc.bootstrap import Ingestion, create_app
from ingestion_svc.settings import Settings
from tests.helpers import read_all, wait_until
from tests.integration.ingestion.conftest import Pipeline, RelayThread
from tests.stack_control import stopped


def _broker_up(pipeline: Pipeline) -> bool:
    try:
        pulsar_check(pipeline.stack.pulsar_admin, pipeline.topic)()
    except Exception:
        return False
    return True


def _post(http: FlaskClient, n: int) -> str:
    response = http.post("/ingest", json={"partner_id": "partner123", "payload": {"n": n}})
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.get_json()["id"])


def test_ingest_answers_201_while_the_broker_is_down_and_publishes_in_order_after(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    key = add_key(tmp_path / "keys.json", "partner", "partner123")
    environ = {"API_KEYS_FILE": str(tmp_path / "keys.json"), **pipeline.stack.pulsar_environ}
    settings = Settings.from_env(Env(environ))
    http = create_app(settings, Ingestion(pipeline.handler, pipeline.queries, {})).test_client()
    http.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    client = pipeline.stack.pulsar_client(operation_timeout_s=10)
    try:
        with RelayThread(pipeline.relay(client)):
            first = _post(http, 0)
            wait_until(lambda: relay_backlog(pipeline) == 0, what="the first record published")
            with stopped("stores:pulsar"):
                assert not _broker_up(pipeline)
                during = [_post(http, n) for n in range(1, 11)]
                assert relay_backlog(pipeline) == 10  # acknowledged and durable, waiting for the broker
            wait_until(lambda: _broker_up(pipeline), timeout_s=120, what="the broker back")
            wait_until(lambda: relay_backlog(pipeline) == 0, timeout_s=120, what="the backlog published")
        messages = read_all(client, pipeline.topic)
    finally:
        client.close()
    ids = [contracts.decode(m.data()).data_id for m in messages]
    assert ids == [first, *during]


def relay_backlog(pipeline: Pipeline) -> int:
    with pipeline.engine.connect() as connection:
        unpublished = text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        return int(connection.execute(unpublished).scalar_one())
