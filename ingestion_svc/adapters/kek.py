"""Key-encryption keys (KEKs) from INGESTION_KEK_FILE, and data keys wrapped under them (AES-256-GCM).

The file is ``{"current": "<kek id>", "keys": {"<kek id>": "<base64 of 32 bytes>", ...}}``: new data keys are
wrapped under the current KEK; older ones stay readable under any KEK the file still lists. The file is
re-read when it changes, so `rotate-keys` takes effect in running services without a restart.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
import stat
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from eventkit.sealing.cipher import KEY_BYTES, NONCE_BYTES, DataKey
from eventkit.settings import SettingsError

_log = logging.getLogger(__name__)

MAKE_ONE = (
    'make up creates one; by hand: {"current": "k1", "keys": {"k1": "<base64 of 32 random bytes>"}}, '
    "e.g. from `head -c 32 /dev/urandom | base64`, mode 600, readable by the service's user only"
)


class KekFileError(SettingsError):
    """INGESTION_KEK_FILE is missing or malformed; the message says what to do."""


class UnwrapFailed(Exception):
    """A stored data key does not open: its KEK left the file, or the wrapped bytes were altered."""


@dataclass(frozen=True)
class KeyRing:
    """The KEKs by id, and the one new data keys are wrapped under."""

    current: str
    keks: Mapping[str, bytes] = field(repr=False)

    def wrap(self, key: DataKey) -> tuple[str, bytes]:
        """The data key wrapped under the current KEK, bound to its record: (KEK id, nonce + ciphertext)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keks[self.current]).encrypt(nonce, key.secret, key.data_id.encode())
        return self.current, nonce + sealed

    def unwrap(self, data_id: str, kek_id: str, wrapped: bytes) -> DataKey:
        """The record's data key; UnwrapFailed when its KEK is not in the file or the bytes do not open."""
        kek = self.keks.get(kek_id)
        if kek is None:
            raise UnwrapFailed(
                f"the data key of record {data_id} is wrapped under KEK {kek_id!r}, not in the file"
            )
        try:
            secret = AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], data_id.encode())
        except InvalidTag:
            raise UnwrapFailed(
                f"the data key of record {data_id} does not open under KEK {kek_id!r}"
            ) from None
        return DataKey(data_id, secret)


def parse_key_ring(text: str, path: Path) -> KeyRing:
    """Reads the file's content; KekFileError says what is wrong and how to make a valid one."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise KekFileError(f"INGESTION_KEK_FILE {path} is not valid JSON ({error}); {MAKE_ONE}") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise KekFileError(f'INGESTION_KEK_FILE {path} needs a non-empty "keys" object; {MAKE_ONE}')
    keks = {str(kek_id): _kek(path, str(kek_id), value) for kek_id, value in entries.items()}
    current = document.get("current")
    if current not in keks:
        raise KekFileError(
            f'INGESTION_KEK_FILE {path}: "current" must name one of its keys, got {current!r}; {MAKE_ONE}'
        )
    return KeyRing(current, keks)


def _kek(path: Path, kek_id: str, value: object) -> bytes:
    try:
        raw = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise KekFileError(
            f"INGESTION_KEK_FILE {path}: KEK {kek_id!r} must be base64 of {KEY_BYTES} bytes; {MAKE_ONE}"
        )
    return raw


class KekFile:
    """The key ring in a file, re-read when its modification time or size changes. A change that does not
    parse is logged and the last good ring kept, so a half-edited file never stops the service."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp = self._stat()
        self._ring = parse_key_ring(self._read(), self.path)

    def ring(self) -> KeyRing:
        stamp = self._stat()
        if stamp != self._stamp:
            with self._lock:
                try:
                    self._ring = parse_key_ring(self._read(), self.path)
                except KekFileError as error:
                    _log.error("kept the previous KEKs: %s", error)
                self._stamp = stamp
        return self._ring

    def _stat(self) -> tuple[int, int]:
        try:
            found = self.path.stat()
        except OSError as error:
            raise KekFileError(
                f"INGESTION_KEK_FILE {self.path} cannot be read ({error}); {MAKE_ONE}"
            ) from None
        return found.st_mtime_ns, found.st_size

    def _read(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, ValueError) as error:
            raise KekFileError(
                f"INGESTION_KEK_FILE {self.path} cannot be read ({error}); {MAKE_ONE}"
            ) from None


def add_kek(path: str | Path) -> str:
    """Adds a new random KEK to the file as its current one, keeping the others; returns its id."""
    path = Path(path)
    ring = parse_key_ring(path.read_text(encoding="utf-8"), path)
    kek_id = f"kek-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"
    keks = {**_encoded(ring.keks), kek_id: base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")}
    _replace_keeping_owner(path, {"current": kek_id, "keys": keks})
    return kek_id


def retire_keks(path: str | Path, still_used: Iterable[str]) -> list[str]:
    """Removes every KEK but the current one and those in `still_used`; returns the removed ids."""
    path = Path(path)
    ring = parse_key_ring(path.read_text(encoding="utf-8"), path)
    keep = {ring.current, *still_used}
    removed = sorted(kek_id for kek_id in ring.keks if kek_id not in keep)
    if removed:
        kept = {kek_id: kek for kek_id, kek in ring.keks.items() if kek_id in keep}
        _replace_keeping_owner(path, {"current": ring.current, "keys": _encoded(kept)})
    return removed


def _encoded(keks: Mapping[str, bytes]) -> dict[str, str]:
    return {kek_id: base64.b64encode(kek).decode("ascii") for kek_id, kek in keks.items()}


def _replace_keeping_owner(path: Path, document: dict[str, object]) -> None:
    """Atomically rewrites the file with its owner and mode: the service reads it as its own user while an
    operator rotates as root. mkstemp's file is new (O_EXCL), so a planted link cannot redirect the write."""
    current = path.stat()
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            os.fchmod(out.fileno(), stat.S_IMODE(current.st_mode) & 0o600)
            if (current.st_uid, current.st_gid) != (os.geteuid(), os.getegid()):
                os.fchown(out.fileno(), current.st_uid, current.st_gid)
            out.write(json.dumps(document, indent=2) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
