"""The opaque keyset cursor: the sort values of a page's last record, bound to the query that made it.

A cursor is signed (HMAC-SHA256 with the service's cursor secret) over the query's fingerprint, which
digests the caller's scope, the filter and the sort, and over the values: a client can neither forge one
nor carry one to another query or another partner. Its values go into the store's filter, so they are
also type-checked against the sort key they stand for, in case the secret ever leaks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from contracts import MAX_JSON_DEPTH
from eventkit.json_text import parse_json
from query_svc.domain.errors import InvalidQuery
from query_svc.domain.filters import parse_date
from query_svc.domain.sort_order import EMPTY_ARRAY, EmptyArray

_FOREIGN = "cursor is not one this service issued; start again without it"
SIGNATURE_CHARS = 43  # base64url of a 32-byte HMAC-SHA256, unpadded: the cursor's first characters
SortKeys = tuple[tuple[str, int], ...]
# What a cursor may hold for a sort key the codec was not told about (a payload field): any key.
ANY_KEY: tuple[type, ...] = (type(None), bool, int, float, str, datetime, dict, list, EmptyArray)


def query_fingerprint(scoped_filter: dict[str, Any], sort: SortKeys) -> str:
    """A short digest of filter and sort, so a cursor is only accepted by the query that issued it."""
    text = json.dumps([scoped_filter, sort], sort_keys=True, default=_encode_value)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class CursorCodec:
    """Issues and reads signed cursors; `sort_types` names the Python types each sort key's value may have."""

    def __init__(self, secret: bytes, sort_types: Mapping[str, tuple[type, ...]]) -> None:
        self._secret = secret
        self._sort_types = sort_types

    def encode(self, values: list[Any], fingerprint: str) -> str:
        body = json.dumps({"v": values, "q": fingerprint}, default=_encode_value, separators=(",", ":"))
        return self._mac(body.encode()) + _b64(body.encode())

    def decode(self, cursor: str, fingerprint: str, sort: SortKeys) -> list[Any]:
        """The sort values a cursor holds; InvalidQuery for a cursor forged, damaged or of another query."""
        mac, encoded = cursor[:SIGNATURE_CHARS], cursor[SIGNATURE_CHARS:]
        try:
            body = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            if not hmac.compare_digest(mac.encode(), self._mac(body).encode()):  # str: ASCII only
                raise InvalidQuery(_FOREIGN)
            # {"v": [.., {"$date": ..}], "q": ..} nests three levels, an object key as deep as a payload
            # holds; base64 errors are ValueErrors.
            document = parse_json(body, max_depth=MAX_JSON_DEPTH + 3)
        except ValueError:
            raise InvalidQuery(_FOREIGN) from None
        if not isinstance(document, dict) or document.get("q") != fingerprint:
            raise InvalidQuery("cursor belongs to another filter or sort; start again without it")
        values = document.get("v")
        if not isinstance(values, list) or len(values) != len(sort):
            raise InvalidQuery(_FOREIGN)
        return [
            self._typed(_decode_value(value), name) for value, (name, _) in zip(values, sort, strict=True)
        ]

    def _mac(self, body: bytes) -> str:
        return _b64(hmac.new(self._secret, body, hashlib.sha256).digest())

    def _typed(self, value: Any, name: str) -> Any:
        allowed = self._sort_types.get(name, ANY_KEY)
        if (isinstance(value, bool) and bool not in allowed) or not isinstance(value, allowed):
            raise InvalidQuery(_FOREIGN)
        return value


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": value.isoformat()}
    if value is EMPTY_ARRAY:
        return {"$emptyArray": 1}
    raise TypeError(f"cannot encode {type(value).__name__} in a cursor")


def _decode_value(value: Any) -> Any:
    """A sort key as the store compares it: a JSON value (an object's keys never start with `$` in the
    view), a datetime, or the empty array's marker; anything else is forged."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith("$"):
        if value == {"$emptyArray": 1}:
            return EMPTY_ARRAY
        if isinstance(value.get("$date"), str):
            try:
                return parse_date(value["$date"], "cursor")
            except InvalidQuery:
                raise InvalidQuery(_FOREIGN) from None
        raise InvalidQuery(_FOREIGN)
    if isinstance(value, dict):
        return {key: _decode_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode_value(item) for item in value]
    if value is None or isinstance(value, str | int | float):
        return value
    raise InvalidQuery(_FOREIGN)
