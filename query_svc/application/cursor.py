"""The opaque keyset cursor: the sort values of a page's last record, bound to the query that made it."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from eventkit.json_text import parse_json
from query_svc.domain.errors import InvalidQuery
from query_svc.domain.filters import parse_date

_FOREIGN = "cursor is not one this service issued"


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
        # {"v": [.., {"$date": ..}], "q": ..} nests three levels; base64 errors are ValueErrors.
        body = parse_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)), max_depth=3)
    except ValueError:
        raise InvalidQuery(_FOREIGN) from None
    if not isinstance(body, dict) or body.get("q") != fingerprint:
        raise InvalidQuery("cursor belongs to another filter or sort; start again without it")
    values = body.get("v")
    if not isinstance(values, list) or len(values) != size:
        raise InvalidQuery(_FOREIGN)
    return [_decode_value(value) for value in values]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot encode {type(value).__name__} in a cursor")


def _decode_value(value: Any) -> Any:
    """A sort value as the store compares it: a JSON scalar, or a datetime; anything else is forged."""
    if isinstance(value, dict) and set(value) == {"$date"} and isinstance(value["$date"], str):
        try:
            return parse_date(value["$date"], "cursor")
        except InvalidQuery:
            raise InvalidQuery(_FOREIGN) from None
    if value is None or isinstance(value, str | int | float):  # bool is an int
        return value
    raise InvalidQuery(_FOREIGN)
