"""Fixtures shared by every tier: where the real stores and broker are."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.stack import StackEndpoints, containers_stack, local_stack


@pytest.fixture(scope="session")
def stack() -> Iterator[StackEndpoints]:
    """The real servers: the local `make up` stack, or testcontainers when TEST_STACK=containers."""
    if os.environ.get("TEST_STACK") == "containers":
        with containers_stack() as endpoints:
            yield endpoints
    else:
        yield local_stack()
