"""query_svc's settings, read from the environment once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from eventkit.auth.settings import AuthSettings
from eventkit.settings import Env, RuntimeSettings


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    auth: AuthSettings
    mongo_url: str
    mongo_database: str

    @classmethod
    def from_env(cls, env: Env | None = None) -> Settings:
        env = env or Env()
        return cls(
            runtime=RuntimeSettings.from_env("query_svc", 5002, env),
            auth=AuthSettings.from_env(env),
            mongo_url=env.url("MONGO_URL", "mongodb://localhost:27017", schemes=("mongodb", "mongodb+srv")),
            mongo_database=env.text("MONGO_DATABASE", "query"),
        )
