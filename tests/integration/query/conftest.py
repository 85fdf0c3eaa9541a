"""Fixtures for query_svc against the real MongoDB-compatible server: a fresh database per test, keys, clients."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pymongo.database import Database

from eventkit.settings import Env
from query_svc.adapters.mongo.connection import make_mongo
from query_svc.adapters.mongo.indexes import ensure_indexes
from query_svc.bootstrap import Query, bootstrap, create_app
from query_svc.settings import Settings
from tests.api_keys import TestKeys
from tests.stack import StackEndpoints


@pytest.fixture
def database(stack: StackEndpoints) -> Iterator[Database[dict[str, Any]]]:
    client = make_mongo(stack.mongo_url)
    name = f"test_query_{uuid.uuid4().hex[:12]}"
    try:
        database = client[name]
        ensure_indexes(database)
        yield database
    finally:
        client.drop_database(name)
        client.close()


@pytest.fixture
def keys(tmp_path: Path) -> TestKeys:
    return TestKeys(tmp_path / "api-keys.json")


@pytest.fixture
def query(stack: StackEndpoints, database: Database[dict[str, Any]], keys: TestKeys) -> Query:
    environ = {"API_KEYS_FILE": str(keys.path), "MONGO_URL": stack.mongo_url, **stack.pulsar_environ}
    return bootstrap(Settings.from_env(Env(environ)), database=database)


ClientFactory = Callable[[str], FlaskClient]


@pytest.fixture
def client_for(query: Query, keys: TestKeys, stack: StackEndpoints) -> ClientFactory:
    settings = Settings.from_env(Env({"API_KEYS_FILE": str(keys.path), **stack.pulsar_environ}))
    app = create_app(settings, query)

    def make(key: str) -> FlaskClient:
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return client

    return make
