"""Fixtures shared by every tier: where the real stores and broker are."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.stack import StackEndpoints, containers_stack, local_stack

# Tests run as root and write into RUN_DIR (screenshots, keys): what they leave there is root's alone, as
# everything the stack writes (issue 22, finding 5).
os.umask(0o077)


@pytest.fixture(scope="session")
def stack() -> Iterator[StackEndpoints]:
    """The real servers: the local `make up` stack, or testcontainers when TEST_STACK=containers."""
    if os.environ.get("TEST_STACK") == "containers":
        with containers_stack() as endpoints:
            yield endpoints
    else:
        yield local_stack()
