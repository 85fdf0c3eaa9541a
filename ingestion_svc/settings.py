"""ingestion_svc's settings, read from the environment once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from eventkit.settings import Env, RuntimeSettings


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    database_url: str

    @classmethod
    def from_env(cls, env: Env | None = None) -> Settings:
        env = env or Env()
        return cls(
            runtime=RuntimeSettings.from_env("ingestion_svc", 5001, env),
            database_url=env.url(
                "DATABASE_URL",
                "postgresql://ingestion:ingestion@localhost:5432/ingestion",
                schemes=("postgresql", "postgresql+psycopg2"),
            ),
        )
