"""query_svc's settings, read from the environment once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from eventkit.auth.settings import AuthSettings
from eventkit.settings import Env, RuntimeSettings
from query_svc.console_settings import ConsoleSettings


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    auth: AuthSettings
    mongo_url: str
    mongo_database: str
    query_max_time_ms: int  # every read carries it as maxTimeMS; past it the answer is 503
    console: ConsoleSettings

    @classmethod
    def from_env(cls, env: Env | None = None) -> Settings:
        env = env or Env()
        return cls(
            runtime=RuntimeSettings.from_env("query_svc", 5002, env),
            auth=AuthSettings.from_env(env),
            mongo_url=env.url("MONGO_URL", "mongodb://localhost:27017", schemes=("mongodb", "mongodb+srv")),
            mongo_database=env.text("MONGO_DATABASE", "query"),
            query_max_time_ms=env.integer("QUERY_MAX_TIME_MS", 5000, minimum=10, maximum=60_000),
            console=ConsoleSettings.from_env(env),
        )
