"""AES-256-GCM under a record's data key: seal and open JSON values, and hash a payload under the key.

The associated data binds a ciphertext to its record and to the purpose it was sealed for (``payload``,
``processing``, ...), so it cannot be moved to another record or read as another field.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contracts.canonical import KEYED_HASH_PREFIX, canonical_json
from contracts.sealed import Sealed

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM's standard nonce, random per seal: 2^32 seals under one key stay far from a collision


class SealBroken(Exception):
    """A sealed value did not open: wrong key, wrong record or purpose, or altered bytes."""


@dataclass(frozen=True)
class DataKey:
    """A record's data key. Its secret never appears in a repr, a log line or an exception."""

    data_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise ValueError(f"a data key has {KEY_BYTES} bytes, got {len(self.secret)}")

    @staticmethod
    def new(data_id: str) -> DataKey:
        """Makes a fresh random key for a record."""
        return DataKey(data_id, os.urandom(KEY_BYTES))


def seal(key: DataKey, purpose: str, value: object) -> Sealed:
    """Encrypts a JSON value's canonical form for this record and purpose."""
    nonce = os.urandom(NONCE_BYTES)
    plain = canonical_json(value).encode("utf-8")
    ciphertext = AESGCM(key.secret).encrypt(nonce, plain, _associated(key.data_id, purpose))
    return Sealed(_b64(nonce), _b64(ciphertext))


def open_sealed(key: DataKey, purpose: str, sealed: Sealed) -> object:
    """Decrypts a sealed JSON value; SealBroken if it was not sealed under this key for this purpose."""
    try:
        nonce = base64.b64decode(sealed.nonce, validate=True)
        ciphertext = base64.b64decode(sealed.ciphertext, validate=True)
        plain = AESGCM(key.secret).decrypt(nonce, ciphertext, _associated(key.data_id, purpose))
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise SealBroken(f"the {purpose} of record {key.data_id} does not open under its data key") from error
    return json.loads(plain)


def keyed_content_hash(key: DataKey, payload: object) -> str:
    """Returns ``hmac-sha256:<hex>`` of the payload's canonical JSON under the record's key."""
    digest = hmac.new(key.secret, canonical_json(payload).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{KEYED_HASH_PREFIX}{digest}"


def _associated(data_id: str, purpose: str) -> bytes:
    return f"dataingest/v1/{data_id}/{purpose}".encode()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
