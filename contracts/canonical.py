"""Canonical JSON and the content hash that every producer and consumer computes identically.

The canonical form of a JSON value is ``json.dumps(value, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, allow_nan=False)`` encoded as UTF-8: keys sorted by code point, no whitespace,
non-ASCII characters written as themselves, numbers as Python's ``json`` module writes them (shortest
round-tripping ``repr`` for floats, so ``1.0`` stays ``1.0``). The content hash of a payload is
``"sha256:"`` followed by the 64 lowercase hex digits of SHA-256 over those bytes, for example
``sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a`` for ``{}``. A sealed record's
hash is ``"hmac-sha256:"`` and the HMAC-SHA256 of the same bytes under the record's data key
(``eventkit.sealing.keyed_content_hash``): it still tells two versions of the record apart, and it cannot
confirm a guess of the payload once the key is destroyed.
"""

from __future__ import annotations

import hashlib
import json
import re

CONTENT_HASH_PREFIX = "sha256:"
CONTENT_HASH_PATTERN = re.compile(r"(?:hmac-)?sha256:[0-9a-f]{64}")
KEYED_HASH_PREFIX = "hmac-sha256:"


def canonical_json(value: object) -> str:
    """Returns the canonical JSON text of a plain JSON value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def content_hash(payload: object) -> str:
    """Returns the ``sha256:<hex>`` hash of a payload's canonical JSON."""
    digest = hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
    return f"{CONTENT_HASH_PREFIX}{digest}"
