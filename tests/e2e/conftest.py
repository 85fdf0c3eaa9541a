"""End-to-end tests talk HTTP to the services that `make up` runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from eventkit.auth.keys import add_key, key_id_of, revoke_key
from eventkit.sealing.keys import DataKeys, KeyServiceSettings
from tests.e2e.rebuild_admin import FINISHED, Admin
from tests.stack import REPO_ROOT

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


@dataclass(frozen=True)
class ApiKeys:
    """Keys for the running services, added to the stack's key file (services reload it on change)."""

    partner: str  # partner123
    other: str  # partner456
    admin: str
    revoked: str  # was partner123's

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


E2E_KEY_RATE = "100000/minute"


@pytest.fixture(scope="session")
def api_keys() -> ApiKeys:
    run_dir = Path(os.environ.get("RUN_DIR", REPO_ROOT / ".run"))
    path = Path(os.environ.get("API_KEYS_FILE", run_dir / "api-keys.json"))
    revoked = add_key(path, "partner", "partner123", label="e2e revoked")
    revoke_key(path, str(key_id_of(revoked)))
    # above the services' default RATE_LIMIT: the fuzzers and matrices send thousands of requests a minute
    rate = E2E_KEY_RATE
    return ApiKeys(
        partner=add_key(path, "partner", "partner123", label="e2e", rate_limit=rate),
        other=add_key(path, "partner", "partner456", label="e2e", rate_limit=rate),
        admin=add_key(path, "admin", label="e2e", rate_limit=rate),
        revoked=revoked,
    )


@pytest.fixture
def admin(service_urls: dict[str, str], api_keys: ApiKeys) -> Iterator[Admin]:
    """The rebuild API with an admin key, once any rebuild an earlier test left has finished (else this
    test's start would be a 409)."""
    admin = Admin(service_urls, api_keys)
    for job in requests.get(admin.base, headers=admin.headers, timeout=10).json()["jobs"]:
        if job["state"] not in FINISHED:
            admin.wait_state(job["id"], FINISHED)
    yield admin


@pytest.fixture(scope="session")
def data_keys(service_urls: dict[str, str]) -> DataKeys:
    """Ingestion's key store, asked with the stack's service key (make up's RUN_DIR/service-key), as the
    consumers ask it."""
    run_dir = Path(os.environ.get("RUN_DIR", REPO_ROOT / ".run"))
    service_key = (run_dir / "service-key").read_text(encoding="utf-8").strip()
    return KeyServiceSettings(service_urls["ingestion_svc"], service_key, 60).data_keys()
