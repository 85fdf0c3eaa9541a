"""The opaque keyset cursor: the sort values of a page's last record, bound to the query that made it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from typing import Any

from query_svc.domain.errors import InvalidQuery


def query_fingerprint(scoped_filter: dict[str, Any], sort: tuple[tuple[str, int], ...]) -> str:
    """A short digest of filter and sort, so a cursor is only accepted by the query that issued it."""
    text = json.dumps([scoped_filter, sort], sort_keys=True, default=_encode_value)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(values: list[Any], fingerprint: str) -> str:
    raw = json.dumps({"v": values, "q": fingerprint}, default=_encode_value, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str, size: int) -> list[Any]:
    """Returns the sort values a cursor holds, or raises InvalidQuery for a foreign or damaged cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = json.loads(raw, object_hook=_decode_value)
    except (ValueError, binascii.Error):
        raise InvalidQuery("cursor is not one this service issued") from None
    if not isinstance(body, dict) or body.get("q") != fingerprint:
        raise InvalidQuery("cursor belongs to another filter or sort; start again without it")
    values = body.get("v")
    if not isinstance(values, list) or len(values) != size:
        raise InvalidQuery("cursor is not one this service issued")
    return values


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot encode {type(value).__name__} in a cursor")


def _decode_value(obj: dict[str, Any]) -> Any:
    if set(obj) == {"$date"} and isinstance(obj["$date"], str):
        return datetime.fromisoformat(obj["$date"])
    return obj
