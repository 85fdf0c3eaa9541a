"""A fresh in-memory world per test, and HTTP clients of partner123, partner456 and an admin on one store."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from eventkit.eventstore.memory import InMemoryDatabase
from ingestion_svc.adapters.memory import InMemoryKeyTable
from tests.api_keys import TestKeys
from tests.unit.ingestion.support import World, http_client


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def database() -> InMemoryDatabase:
    return InMemoryDatabase()


@pytest.fixture
def data_keys() -> InMemoryKeyTable:
    return InMemoryKeyTable()


@pytest.fixture
def keys(tmp_path: Path) -> TestKeys:
    return TestKeys(tmp_path / "api-keys.json")


@pytest.fixture
def client(database: InMemoryDatabase, data_keys: InMemoryKeyTable, keys: TestKeys) -> FlaskClient:
    """A client holding partner123's key."""
    return http_client(database, data_keys, keys, keys.partner)


@pytest.fixture
def other(database: InMemoryDatabase, data_keys: InMemoryKeyTable, keys: TestKeys) -> FlaskClient:
    """A client holding partner456's key, on the same store."""
    return http_client(database, data_keys, keys, keys.other)


@pytest.fixture
def admin(database: InMemoryDatabase, data_keys: InMemoryKeyTable, keys: TestKeys) -> FlaskClient:
    return http_client(database, data_keys, keys, keys.admin)
