"""API keys kept as hashes in a JSON file that every service reads, re-read whenever the file changes.

A key looks like ``dik_<key id>_<secret>``. The file stores the id, role, partner and the SHA-256 of the
whole key, never the key itself. Keys are 256-bit random, so a fast hash is enough (as for GitHub tokens).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from limits import parse

from contracts import PARTNER_ID_PATTERN
from eventkit.auth.principal import Principal, Role

_KEY = re.compile(r"dik_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_PARTNER = re.compile(PARTNER_ID_PATTERN)


class KeyFileError(ValueError):
    """The key file is missing or malformed; the message says where and what to do."""


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    role: Role
    partner_id: str | None
    key_hash: str
    created_at: str
    revoked_at: str | None = None
    label: str = ""
    rate_limit: str | None = None  # e.g. "600/minute"; None: the services' RATE_LIMIT


def _entry(record: KeyRecord) -> dict[str, Any]:
    """The record as the file keeps it: no rate_limit field unless set, so older readers still parse it."""
    entry = asdict(record)
    if entry["rate_limit"] is None:
        del entry["rate_limit"]
    return entry


def _hash(raw_key: str) -> str:
    return "sha256:" + hashlib.sha256(raw_key.encode()).hexdigest()


def _record(entry: Any, index: int) -> KeyRecord:
    try:
        record = KeyRecord(**entry)
    except TypeError as exc:
        raise KeyFileError(f"keys[{index}] is malformed: {exc}") from None
    if record.role not in ("partner", "admin", "service"):
        raise KeyFileError(f"keys[{index}].role must be partner, admin or service, got {record.role!r}")
    if (record.role == "partner") != bool(record.partner_id and _PARTNER.fullmatch(record.partner_id)):
        raise KeyFileError(
            f"keys[{index}]: a partner key needs a valid partner_id, and an admin or service key none"
        )
    if record.rate_limit is not None:
        _check_rate(record.rate_limit, f"keys[{index}].rate_limit")
    return record


def _check_rate(rate: Any, where: str) -> None:
    try:
        parse(rate)
    except (ValueError, TypeError):
        raise KeyFileError(f"{where} must be a rate like '600/minute', got {rate!r}") from None


def parse_key_file(text: str, path: Path) -> dict[str, KeyRecord]:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise KeyFileError(f"{path} is not valid JSON: {exc}") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise KeyFileError(f'{path} must be an object with a "keys" array')
    records = [_record(entry, i) for i, entry in enumerate(entries)]
    return {r.key_id: r for r in records}


class KeyFile:
    """Authenticates keys against the file, reloading it when its modification time or size changes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._records: dict[str, KeyRecord] = {}
        self.reload_if_changed()

    def reload_if_changed(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            raise KeyFileError(
                f"API key file {self.path} does not exist: create a key with `python -m <service> keys add`"
            ) from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            with self._lock:
                self._records = parse_key_file(self.path.read_text(), self.path)
                self._stamp = stamp

    def authenticate(self, raw_key: str) -> Principal | None:
        """The principal of a valid, unrevoked key; None for anything else."""
        match = _KEY.fullmatch(raw_key)
        if not match:
            return None
        self.reload_if_changed()
        record = self._records.get(match.group(1))
        if record is None or record.revoked_at is not None:
            return None
        if not hmac.compare_digest(record.key_hash, _hash(raw_key)):
            return None
        return Principal(record.key_id, record.role, record.partner_id)

    def rate_limit_of(self, key_id: str) -> str | None:
        """The key's own request rate limit, if it has one (from the file as authenticate last read it)."""
        record = self._records.get(key_id)
        return record.rate_limit if record else None


@contextmanager
def _locked_document(path: Path) -> Iterator[dict[str, Any]]:
    """Reads, lets the caller change, then atomically rewrites the key file under an exclusive lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Never through a link, never readable by others, whatever the caller's umask.
    lock = os.open(path.with_suffix(path.suffix + ".lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        document: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {"keys": []}
        parse_key_file(json.dumps(document), path)  # refuse to build on a malformed file
        yield document
        _replace_keeping_owner(path, json.dumps(document, indent=2) + "\n")
    finally:
        os.close(lock)


def _replace_keeping_owner(path: Path, text: str) -> None:
    """Atomically rewrites the file with its owner and mode (a new one is the writer's, 0600).

    The services read the file as an unprivileged user while operators run `keys add` as root: a replacement
    owned by root, mode 0600, would lock the services out. mkstemp's file is new (O_EXCL), so a link planted
    where the temporary goes cannot redirect the write."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            if path.exists():
                current = path.stat()
                os.fchmod(out.fileno(), stat.S_IMODE(current.st_mode))
                if (current.st_uid, current.st_gid) != (os.geteuid(), os.getegid()):
                    os.fchown(out.fileno(), current.st_uid, current.st_gid)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def add_key(
    path: str | Path,
    role: Role,
    partner_id: str | None = None,
    label: str = "",
    rate_limit: str | None = None,
) -> str:
    """Creates a key, stores its hash, and returns the key itself (shown once, never stored)."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    raw_key = f"dik_{key_id}_{secret}"
    created = datetime.now(UTC).isoformat()
    record = KeyRecord(key_id, role, partner_id, _hash(raw_key), created, None, label, rate_limit)
    _record(_entry(record), 0)
    with _locked_document(Path(path)) as document:
        document["keys"].append(_entry(record))
    return raw_key


def set_rate_limit(path: str | Path, key_id: str, rate_limit: str | None) -> bool:
    """Gives a key its own request rate limit (None: back to the services' default); False if no such key."""
    if rate_limit is not None:
        _check_rate(rate_limit, "the rate limit")
    with _locked_document(Path(path)) as document:
        for entry in document["keys"]:
            if entry["key_id"] == key_id:
                entry.pop("rate_limit", None)
                if rate_limit is not None:
                    entry["rate_limit"] = rate_limit
                return True
    return False


def revoke_key(path: str | Path, key_id: str) -> bool:
    """Marks a key revoked; False when no such key exists."""
    with _locked_document(Path(path)) as document:
        for entry in document["keys"]:
            if entry["key_id"] == key_id and entry.get("revoked_at") is None:
                entry["revoked_at"] = datetime.now(UTC).isoformat()
                return True
    return False


def list_keys(path: str | Path) -> list[KeyRecord]:
    return list(parse_key_file(Path(path).read_text(), Path(path)).values())


def key_id_of(raw_key: str) -> str | None:
    match = _KEY.fullmatch(raw_key)
    return match.group(1) if match else None
