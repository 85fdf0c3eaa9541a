"""A sealed value on the wire: a JSON value encrypted under its record's data key (AES-256-GCM).

Only the ciphertext and its nonce travel; the key never does. Whoever holds the record's data key (the
services, by asking ingestion's key store) opens it; once the key is destroyed nobody can, which is how a
record is erased from logs that cannot be edited (docs/adr/0006-erasure-by-crypto-shredding.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import fields, post_load, validate

from contracts.wire import TolerantSchema

# Standard base64 with padding: 12 bytes of nonce are 16 characters; a ciphertext is at least its 16-byte tag.
BASE64_PATTERN = r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
NONCE_PATTERN = r"[A-Za-z0-9+/]{16}"


@dataclass(frozen=True)
class Sealed:
    """A JSON value encrypted under a record's data key: base64 of the 12-byte nonce and of ciphertext+tag."""

    nonce: str
    ciphertext: str


class SealedSchema(TolerantSchema):
    """A sealed value's wire form."""

    nonce = fields.String(required=True, validate=validate.Regexp(rf"{NONCE_PATTERN}\Z"))
    ciphertext = fields.String(
        required=True, validate=[validate.Regexp(rf"{BASE64_PATTERN}\Z"), validate.Length(min=24)]
    )

    @post_load
    def _to_dataclass(self, data: dict[str, Any], **kwargs: Any) -> Sealed:
        return Sealed(**data)
