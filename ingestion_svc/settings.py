"""ingestion_svc's settings, read from the environment once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from eventkit.auth.settings import AuthSettings
from eventkit.settings import Env, RuntimeSettings, SettingsError, postgres_url


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    auth: AuthSettings
    database_url: str
    query_base_url: str  # where a record's view lives, for the Location header
    max_body_bytes: int
    max_json_depth: int
    batch_max_items: int
    outbox_retention_s: int  # how long the relay keeps a published outbox row before purging it
    kek_file: str | None  # INGESTION_KEK_FILE: the key-encryption keys the API wraps data keys under

    @classmethod
    def from_env(cls, env: Env | None = None) -> Settings:
        env = env or Env()
        return cls(
            runtime=RuntimeSettings.from_env("ingestion_svc", 5001, env),
            auth=AuthSettings.from_env(env),
            database_url=postgres_url(env, "postgresql://ingestion:ingestion@localhost:5432/ingestion"),
            query_base_url=env.url(
                "QUERY_BASE_URL", "http://localhost:5002", schemes=("http", "https")
            ).rstrip("/"),
            max_body_bytes=env.integer("MAX_BODY_BYTES", 1024 * 1024, minimum=1024),
            max_json_depth=env.integer("MAX_JSON_DEPTH", 32, minimum=2, maximum=64),
            batch_max_items=env.integer("BATCH_MAX_ITEMS", 1000, minimum=1, maximum=10_000),
            outbox_retention_s=env.integer("OUTBOX_RETENTION_S", 60, minimum=0, maximum=30 * 86_400),
            kek_file=env.optional_text("INGESTION_KEK_FILE") or None,
        )

    def require_kek_file(self) -> str:
        """INGESTION_KEK_FILE, which the API and rotate-keys need (the relay and migrations do not)."""
        if not self.kek_file:
            raise SettingsError(
                "INGESTION_KEK_FILE must name the key-encryption key file "
                "(make up creates $RUN_DIR/kek.json; see docs/operations.md, Data keys)"
            )
        return self.kek_file
