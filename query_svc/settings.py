"""query_svc's settings, read from the environment once at start-up."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from contracts import MAX_JSON_DEPTH
from eventkit.auth.settings import AuthSettings
from eventkit.json_text import parse_json
from eventkit.pulsar.delivery import Delivery
from eventkit.sealing.keys import DataKeys, KeyServiceSettings, data_keys_of
from eventkit.settings import Env, RuntimeSettings, SettingsError
from query_svc.application.queries import DEFAULT_PAGE_BYTES
from query_svc.console_settings import ConsoleSettings, secret_setting
from query_svc.domain.payload_indexes import PayloadIndex, parse_declarations


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    auth: AuthSettings
    mongo_url: str
    mongo_database: str
    query_max_time_ms: int  # every read carries it as maxTimeMS; past it the answer is 503
    query_page_bytes: int  # a list page ends early once its records take this much in the store
    cursor_secret: bytes  # signs page cursors; every worker and copy of the service needs the same
    cursor_secret_shared: bool  # False: made up by this process, so other workers refuse its cursors
    projector_delivery: Delivery  # PROJECTOR_BATCH etc.: a topic's batch is applied in one bulk write
    projector_gather_ms: int  # how long the writer waits for the other topics' batches (see combining.py)
    projector_cache_records: int  # records whose timeline the projector keeps in memory
    rebuild_batch: int  # events read from each topic and applied in one bulk write during a rebuild
    rebuild_cache_records: int  # records whose timeline a rebuild keeps in memory
    rebuild_keep_generations: int  # older view generations kept after a rebuild switched
    console: ConsoleSettings
    payload_indexes: tuple[PayloadIndex, ...] = ()  # partners' declared indexes (QUERY_PAYLOAD_INDEXES_FILE)
    key_service: KeyServiceSettings | None = None  # only the consumer opens sealed events; None: not given

    @classmethod
    def from_env(cls, env: Env | None = None) -> Settings:
        env = env or Env()
        console = ConsoleSettings.from_env(env)
        cursor_secret = _cursor_secret(env, console)
        return cls(
            runtime=RuntimeSettings.from_env("query_svc", 5002, env),
            auth=AuthSettings.from_env(env),
            mongo_url=env.url("MONGO_URL", "mongodb://localhost:27017", schemes=("mongodb", "mongodb+srv")),
            mongo_database=env.text("MONGO_DATABASE", "query"),
            query_max_time_ms=env.integer("QUERY_MAX_TIME_MS", 5000, minimum=10, maximum=60_000),
            query_page_bytes=env.integer(
                "QUERY_MAX_PAGE_BYTES", DEFAULT_PAGE_BYTES, minimum=64 * 1024, maximum=64 * 1024 * 1024
            ),
            cursor_secret=cursor_secret or secrets.token_bytes(32),
            cursor_secret_shared=cursor_secret is not None,
            projector_delivery=Delivery.from_env(env, "PROJECTOR", batch=200, max_batch=5000),
            projector_gather_ms=env.integer("PROJECTOR_GATHER_MS", 50, minimum=0, maximum=5000),
            projector_cache_records=env.integer(
                "PROJECTOR_CACHE_RECORDS", 20_000, minimum=0, maximum=10_000_000
            ),
            rebuild_batch=env.integer("REBUILD_BATCH", 1000, minimum=1, maximum=20_000),
            rebuild_cache_records=env.integer(
                "REBUILD_CACHE_RECORDS", 200_000, minimum=0, maximum=10_000_000
            ),
            rebuild_keep_generations=env.integer("REBUILD_KEEP_GENERATIONS", 0, minimum=0, maximum=100),
            console=console,
            payload_indexes=_payload_indexes(env),
            key_service=KeyServiceSettings.optional_from_env(env),
        )

    def data_keys(self) -> DataKeys:
        """The consumer's data keys, from ingestion's key store; SettingsError naming the variables when
        this process was given no service key."""
        return data_keys_of(self.key_service, "the query consumer")


def _payload_indexes(env: Env) -> tuple[PayloadIndex, ...]:
    """The partners' declared payload indexes, from the JSON file QUERY_PAYLOAD_INDEXES_FILE names."""
    path = env.optional_text("QUERY_PAYLOAD_INDEXES_FILE")
    if not path:
        return ()
    source = f"QUERY_PAYLOAD_INDEXES_FILE {path}"
    try:
        document = parse_json(Path(path).read_bytes(), MAX_JSON_DEPTH)
    except OSError as error:
        raise SettingsError(f"{source}: cannot read it: {error.strerror}") from None
    except ValueError as error:
        raise SettingsError(f"{source}: not JSON: {error}") from None
    try:
        return parse_declarations(document, source)
    except ValueError as error:
        raise SettingsError(str(error)) from None


def _cursor_secret(env: Env, console: ConsoleSettings) -> bytes | None:
    """CURSOR_SECRET_KEY(_FILE); else a key derived from the console's secret; else None."""
    own = secret_setting(env, "CURSOR_SECRET_KEY")
    if own is not None:
        return own.encode()
    if console.secret_key is not None:  # one secret, a separate key per use
        return hmac.new(console.secret_key.encode(), b"query_svc page cursors", hashlib.sha256).digest()
    return None
