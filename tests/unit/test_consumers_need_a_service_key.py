"""Every consumer that opens sealed events refuses to start without a service key, and says which
variables to set (the APIs, relays and migrations of the same services start without one)."""

from __future__ import annotations

import pytest

from tests.helpers import run_service


@pytest.mark.parametrize("service", ["validation_svc", "processing_svc", "query_svc"])
def test_the_consumer_refuses_to_start_without_a_service_key(service: str) -> None:
    result = run_service(service, "consume")
    assert result.returncode == 1
    assert (
        f"{service}: configuration error: set KEY_SERVICE_API_KEY or KEY_SERVICE_API_KEY_FILE"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
