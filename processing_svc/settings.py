"""processing_svc's settings, read from the environment once at start-up."""

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
            runtime=RuntimeSettings.from_env("processing_svc", 5003, env),
            database_url=env.url(
                "DATABASE_URL",
                "postgresql://processing:processing@localhost:5432/processing",
                schemes=("postgresql", "postgresql+psycopg2"),
            ),
        )
