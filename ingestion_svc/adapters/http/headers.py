"""Reads ingestion's request headers: Idempotency-Key and If-Match."""

from __future__ import annotations

import hashlib
import re

from flask import request

from contracts import canonical_json
from eventkit.problems import Problem
from ingestion_svc.application.commands import Idempotency

_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as the IETF draft suggests
_IF_MATCH = re.compile(r'(?:W/)?"?(\d{1,9})"?')


def idempotency(body: object) -> Idempotency | None:
    """The Idempotency-Key with a fingerprint of the route and body, or None when the header is absent."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise Problem(400, "Idempotency-Key must be 1-255 visible ASCII characters.")
    fingerprint = hashlib.sha256(f"{request.path}\n{canonical_json(body)}".encode()).hexdigest()
    return Idempotency(key, fingerprint)


def expected_version() -> int | None:
    """The version named by If-Match ("3", W/"3" or 3); None when absent or `*`."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    match = _IF_MATCH.fullmatch(raw.strip())
    if not match:
        raise Problem(400, 'If-Match must name one record version, e.g. If-Match: "3".')
    return int(match.group(1))


def etag(version: int) -> str:
    return f'"{version}"'
