"""Renders answers as JSON with RFC 3339 times, and the `Link: rel="next"` header of a page."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Response, request

from contracts.wire import format_rfc3339


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_rfc3339(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, default=_default, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, mimetype="application/json", headers=headers or {})


# Clients and proxies refuse longer header lines (Python's http.client at 64 KiB, many proxies at 8 KiB).
MAX_LINK_BYTES = 8 * 1024


def next_link(cursor: str | None) -> dict[str, str]:
    """The Link header pointing at the next page: the same query with the new cursor; and the cursor alone
    as Next-Cursor, which is all a query too long to repeat in a header gets. The link is relative (RFC 8288
    resolves it against the request's URL): built from the Host header, it would let a forged Host send a
    client's next request, key included, elsewhere."""
    if cursor is None:
        return {}
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    link = f'<{request.path}?{urlencode([*args, ("cursor", cursor)])}>; rel="next"'
    return {"Next-Cursor": cursor, **({"Link": link} if len(link) <= MAX_LINK_BYTES else {})}
