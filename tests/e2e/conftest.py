"""End-to-end tests talk HTTP to the services that `make up` runs."""

from __future__ import annotations

import os

import pytest
import requests

SERVICES = {
    "ingestion_svc": int(os.environ.get("INGESTION_PORT", "5001")),
    "query_svc": int(os.environ.get("QUERY_PORT", "5002")),
    "processing_svc": int(os.environ.get("PROCESSING_PORT", "5003")),
    "validation_svc": int(os.environ.get("VALIDATION_PORT", "5004")),
}


@pytest.fixture(scope="session")
def service_urls() -> dict[str, str]:
    host = os.environ.get("BIND_HOST", "127.0.0.1")
    urls = {name: f"http://{host}:{port}" for name, port in SERVICES.items()}
    for name, url in urls.items():
        try:
            requests.get(f"{url}/healthz", timeout=2)
        except requests.ConnectionError:
            pytest.fail(f"{name} is not running at {url}: run `make up` first")
    return urls
