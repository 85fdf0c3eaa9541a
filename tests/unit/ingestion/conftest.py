"""A fresh in-memory world per test."""

from __future__ import annotations

import pytest

from tests.unit.ingestion.support import World


@pytest.fixture
def world() -> World:
    return World()
