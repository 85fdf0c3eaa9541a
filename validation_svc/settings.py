"""validation_svc's settings, read from the environment once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from eventkit.settings import Env, RuntimeSettings


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    redis_url: str

    @classmethod
    def from_env(cls, env: Env | None = None) -> Settings:
        env = env or Env()
        return cls(
            runtime=RuntimeSettings.from_env("validation_svc", 5004, env),
            redis_url=env.url("REDIS_URL", "redis://localhost:6379/0", schemes=("redis", "rediss", "unix")),
        )
