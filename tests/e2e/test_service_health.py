"""Every running service answers its operational endpoints with real dependency checks."""

from __future__ import annotations

import pytest
import requests

EXPECTED_CHECKS = {
    "ingestion_svc": {"postgres", "pulsar"},
    "query_svc": {"mongodb", "pulsar"},
    "processing_svc": {"postgres", "pulsar"},
    "validation_svc": {"redis", "pulsar"},
}


@pytest.mark.parametrize("service", sorted(EXPECTED_CHECKS))
def test_ready_with_its_own_store_and_the_broker(service_urls: dict[str, str], service: str) -> None:
    response = requests.get(f"{service_urls[service]}/readyz", timeout=10)
    assert response.status_code == 200, response.text
    checks = response.json()["checks"]
    assert set(checks) == EXPECTED_CHECKS[service]
    assert all(check["ok"] for check in checks.values())


@pytest.mark.parametrize("service", sorted(EXPECTED_CHECKS))
def test_liveness_metrics_and_openapi(service_urls: dict[str, str], service: str) -> None:
    base = service_urls[service]
    assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
    metrics = requests.get(f"{base}/metrics", timeout=5)
    assert metrics.headers["Content-Type"].startswith("text/plain")
    assert "# TYPE http_requests_total counter" in metrics.text
    spec = requests.get(f"{base}/openapi.json", timeout=5).json()
    assert spec["info"]["title"] == service


def test_request_id_is_echoed(service_urls: dict[str, str]) -> None:
    response = requests.get(
        f"{service_urls['ingestion_svc']}/healthz", headers={"X-Request-ID": "e2e-42"}, timeout=5
    )
    assert response.headers["X-Request-ID"] == "e2e-42"
