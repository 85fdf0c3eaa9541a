"""The query service's rebuild API as an operator drives it: start, follow, the active generation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests

from tests.helpers import wait_until

if TYPE_CHECKING:  # conftest imports this module for its fixture
    from tests.e2e.conftest import ApiKeys

FINISHED = ("done", "failed", "cancelled")


class Admin:
    def __init__(self, urls: dict[str, str], keys: ApiKeys) -> None:
        self.base = f"{urls['query_svc']}/query/projections"
        self.headers = keys.auth(keys.admin)

    def start(self) -> dict[str, Any]:
        response = requests.post(f"{self.base}/rebuild", headers=self.headers, timeout=10)
        assert response.status_code == 202, response.text
        body: dict[str, Any] = response.json()
        return body

    def job(self, job_id: str) -> dict[str, Any]:
        body: dict[str, Any] = requests.get(
            f"{self.base}/rebuild/{job_id}", headers=self.headers, timeout=10
        ).json()
        return body

    def active(self) -> dict[str, Any]:
        body: dict[str, Any] = requests.get(self.base, headers=self.headers, timeout=10).json()["active"]
        return body

    def wait_state(self, job_id: str, states: tuple[str, ...], timeout_s: float = 300) -> dict[str, Any]:
        wait_until(
            lambda: self.job(job_id)["state"] in states,
            timeout_s=timeout_s,
            what=f"rebuild {job_id} {states}",
        )
        return self.job(job_id)
