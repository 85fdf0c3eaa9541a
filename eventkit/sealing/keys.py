"""Where a consumer gets records' data keys: ingestion's key store, asked over HTTP, with a short cache.

Keys never travel on a topic (a topic outlives an erasure). A consumer asks ingestion's
``POST /internal/keys/unwrap`` for the keys of a batch of records, keeps a live key at most
``max_age_s`` (60 s at most), and forgets it at once when it sees the record's DataErased.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from eventkit.sealing.cipher import DataKey
from eventkit.settings import Env, SettingsError, secret

UNWRAP_PATH = "/internal/keys/unwrap"
MAX_IDS_PER_CALL = 500
MAX_CACHE_AGE_S = 60.0

_log = logging.getLogger(__name__)


class KeysUnavailable(Exception):
    """The key store did not answer (or refused this service's key): retry later, nothing is lost."""


@dataclass(frozen=True)
class KeyLookup:
    """The answer for a set of records: the live keys, and the records whose key was destroyed. A record in
    neither is unknown to the key store."""

    keys: Mapping[str, DataKey] = field(default_factory=dict)
    erased: frozenset[str] = frozenset()

    def key_for(self, data_id: str) -> DataKey | None:
        """The record's live key; None when it was erased or is unknown (its sealed fields stay closed)."""
        return self.keys.get(data_id)


class DataKeys(Protocol):
    """The port every payload reader uses."""

    def lookup(self, data_ids: Iterable[str]) -> KeyLookup:
        """Returns the keys of these records; KeysUnavailable when the key store cannot be asked."""
        ...

    def forget(self, data_id: str) -> None:
        """Drops a record's key from any cache: its DataErased was seen."""
        ...


Fetch = Callable[[list[str]], KeyLookup]


class CachedDataKeys:
    """Asks `fetch` only for the records it holds no fresh answer for. A live key is kept `max_age_s`; an
    erasure is final and kept until pushed out of the bounded cache."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        max_age_s: float = MAX_CACHE_AGE_S,
        capacity: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 <= max_age_s <= MAX_CACHE_AGE_S:
            raise ValueError(f"a data key may be cached at most {MAX_CACHE_AGE_S:g} s, got {max_age_s}")
        self._fetch = fetch
        self._max_age_s = max_age_s
        self._capacity = capacity
        self._clock = clock
        self._entries: OrderedDict[str, tuple[DataKey | None, float]] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, data_ids: Iterable[str]) -> KeyLookup:
        wanted = list(dict.fromkeys(data_ids))
        keys: dict[str, DataKey] = {}
        erased: set[str] = set()
        missing = self._from_cache(wanted, keys, erased)
        for start in range(0, len(missing), MAX_IDS_PER_CALL):
            answer = self._fetch(missing[start : start + MAX_IDS_PER_CALL])
            keys.update(answer.keys)
            erased.update(answer.erased)
            self._remember(answer)
        return KeyLookup(keys, frozenset(erased))

    def forget(self, data_id: str) -> None:
        with self._lock:
            self._put(data_id, None)

    def _from_cache(self, wanted: list[str], keys: dict[str, DataKey], erased: set[str]) -> list[str]:
        now = self._clock()
        missing = []
        with self._lock:
            for data_id in wanted:
                cached = self._entries.get(data_id)
                if cached is None or (cached[0] is not None and now - cached[1] > self._max_age_s):
                    missing.append(data_id)
                elif cached[0] is None:
                    erased.add(data_id)
                else:
                    keys[data_id] = cached[0]
        return missing

    def _remember(self, answer: KeyLookup) -> None:
        with self._lock:
            for data_id, key in answer.keys.items():
                self._put(data_id, key)
            for data_id in answer.erased:
                self._put(data_id, None)

    def _put(self, data_id: str, key: DataKey | None) -> None:
        if self._capacity <= 0:
            return
        self._entries[data_id] = (key, self._clock())
        self._entries.move_to_end(data_id)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)


class HttpKeyService:
    """Asks ingestion's key store for data keys with this service's key (role ``service``)."""

    def __init__(self, base_url: str, api_key: str, *, timeout_s: float = 5.0) -> None:
        self._url = base_url.rstrip("/") + UNWRAP_PATH
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._timeout_s = timeout_s
        self._session = requests.Session()

    def __call__(self, data_ids: list[str]) -> KeyLookup:
        try:
            answer = self._session.post(
                self._url, json={"data_ids": data_ids}, headers=self._headers, timeout=self._timeout_s
            )
        except requests.RequestException as error:
            raise KeysUnavailable(f"the key store at {self._url} did not answer: {error}") from error
        if answer.status_code in (401, 403):
            raise KeysUnavailable(
                f"the key store at {self._url} refused this service's key ({answer.status_code}): "
                "check KEY_SERVICE_API_KEY names an active key of role service"
            )
        if answer.status_code != 200:
            raise KeysUnavailable(f"the key store at {self._url} answered {answer.status_code}")
        try:
            return _lookup_from(answer.json())
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            malformed = f"the key store at {self._url} answered 200 with a malformed body"
            raise KeysUnavailable(malformed) from error


def _lookup_from(body: dict[str, Any]) -> KeyLookup:
    """Reads the key store's answer; a malformed one raises ValueError, KeyError, TypeError or
    AttributeError."""
    if body.get("unknown"):
        _log.warning("the key store knows no key for records %s", body["unknown"])
    keys = {
        data_id: DataKey(data_id, base64.b64decode(raw, validate=True))
        for data_id, raw in body["keys"].items()
    }
    return KeyLookup(keys, frozenset(str(data_id) for data_id in body["erased"]))


class MemoryKeyStore:
    """Data keys in memory, for unit tests of handlers: make a record's key, destroy it, look keys up."""

    def __init__(self) -> None:
        self._keys: dict[str, DataKey | None] = {}
        self.lookups = 0

    def create(self, data_id: str) -> DataKey:
        key = DataKey.new(data_id)
        self._keys[data_id] = key
        return key

    def erase(self, data_id: str) -> None:
        self._keys[data_id] = None

    def lookup(self, data_ids: Iterable[str]) -> KeyLookup:
        self.lookups += 1
        wanted = set(data_ids)
        keys = {i: k for i, k in self._keys.items() if i in wanted and k is not None}
        erased = frozenset(i for i, k in self._keys.items() if i in wanted and k is None)
        return KeyLookup(keys, erased)

    def forget(self, data_id: str) -> None:
        """Nothing is cached here."""


@dataclass(frozen=True)
class KeyServiceSettings:
    """Where a consumer asks for data keys: KEY_SERVICE_URL (ingestion's base URL), KEY_SERVICE_API_KEY(_FILE)
    (a key of role ``service``) and KEY_CACHE_SECONDS (how long a live key is kept, at most 60)."""

    url: str
    api_key: str = field(repr=False)
    cache_seconds: int

    @classmethod
    def from_env(cls, env: Env) -> KeyServiceSettings:
        """The settings of a process that must open sealed events; SettingsError without a service key."""
        settings = cls.optional_from_env(env)
        if settings is None:
            raise SettingsError(missing_key_service("a consumer"))
        return settings

    @classmethod
    def optional_from_env(cls, env: Env) -> KeyServiceSettings | None:
        """The settings when a service key is given, else None: a process that reads no sealed event (an
        API, a relay) runs without one, and asking it for keys then fails (`data_keys_of`)."""
        key = secret(env, "KEY_SERVICE_API_KEY")
        if key is None:
            return None
        return cls(
            url=env.url("KEY_SERVICE_URL", "http://127.0.0.1:5000", schemes=("http", "https")),
            api_key=key.value,
            cache_seconds=env.integer("KEY_CACHE_SECONDS", 60, minimum=0, maximum=int(MAX_CACHE_AGE_S)),
        )

    def data_keys(self) -> CachedDataKeys:
        """Ingestion's key store behind a cache."""
        return CachedDataKeys(HttpKeyService(self.url, self.api_key), max_age_s=self.cache_seconds)


def missing_key_service(reader: str) -> str:
    """What to set when a process that opens sealed events was given no service key."""
    return (
        "set KEY_SERVICE_API_KEY or KEY_SERVICE_API_KEY_FILE (and KEY_SERVICE_URL) to a key of role service "
        f"(python -m ingestion_svc keys add --service): {reader} asks ingestion for the data keys of sealed "
        "records with it"
    )


def data_keys_of(settings: KeyServiceSettings | None, reader: str) -> DataKeys:
    """The data keys from ingestion's key store; SettingsError naming the variables without a service key."""
    if settings is None:
        raise SettingsError(missing_key_service(reader))
    return settings.data_keys()


class NoKeyStore:
    """The data keys of a process given no service key: plain events need none, and any lookup is refused
    as an outage, so no sealed record is ever judged erased for want of a key."""

    def __init__(self, reason: str = "no key store is configured to open sealed events") -> None:
        self._reason = reason

    def lookup(self, data_ids: Iterable[str]) -> KeyLookup:
        raise KeysUnavailable(f"{self._reason} (records {sorted(data_ids)})")

    def forget(self, data_id: str) -> None:
        """Nothing is cached here."""
