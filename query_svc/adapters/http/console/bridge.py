"""Calls this service's own API in process (no network), as the signed-in user.

The console reaches endpoints that other parts of query_svc own (rebuild jobs, dead letters) through the API
itself, so the API alone decides what the key may do and see, and an endpoint this deployment lacks simply
answers 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g, request
from werkzeug.test import Client

from query_svc.domain.errors import ViewUnavailable

# A panel shows "not available" for these: the route is not part of this deployment (yet).
MISSING = (404, 405)


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def detail(self) -> str:
        if isinstance(self.body, dict):
            return str(self.body.get("detail") or self.body.get("title") or "")
        return ""


@dataclass(frozen=True)
class Panel:
    """What one part of a page could load: ok, missing (not in this deployment), forbidden, or error."""

    state: str
    data: Any = None
    message: str = ""

    @classmethod
    def of(cls, answer: Answer) -> Panel:
        if 200 <= answer.status < 300:
            return cls("ok", answer.body)
        if answer.status in MISSING:
            return cls("missing", message="This deployment does not offer it yet.")
        if answer.status in (401, 403):
            return cls("forbidden", message=answer.detail or "Your key may not see this.")
        return cls("error", message=f"{answer.status}: {answer.detail or 'the API did not answer'}")

    @classmethod
    def load(cls, loader: Callable[[], Any]) -> Panel:
        try:
            return cls("ok", loader())
        except ViewUnavailable as error:
            return cls("error", message=str(error))


class ApiBridge:
    def __init__(self, api: Callable[..., Any]) -> None:
        self._client = Client(api, use_cookies=False)

    def call(self, method: str, path: str, body: Any = None) -> Answer:
        """Sends the request with the signed-in user's key, address and correlation id."""
        response = self._client.open(
            path,
            method=method,
            json=body,
            headers={"Authorization": f"Bearer {g.api_key}", "X-Request-ID": g.get("correlation_id") or ""},
            environ_base={"REMOTE_ADDR": request.remote_addr or "127.0.0.1"},
        )
        data = response.get_data()
        parsed = json.loads(data) if data and (response.mimetype or "").endswith("json") else None
        return Answer(response.status_code, parsed)
