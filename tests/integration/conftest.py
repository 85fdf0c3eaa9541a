"""Every integration test talks to the real servers."""

from __future__ import annotations

from collections.abc import Iterator

import pulsar
import pytest

from tests.stack import StackEndpoints


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def client(stack: StackEndpoints) -> Iterator[pulsar.Client]:
    """A client on the real broker, closed after the test."""
    pulsar_client = stack.pulsar_client(operation_timeout_s=15)
    yield pulsar_client
    pulsar_client.close()
