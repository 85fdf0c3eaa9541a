"""Authentication settings, read with the rest of a service's settings at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from limits import parse

from eventkit.settings import Env, SettingsError

# 100 requests a second per key, summed over every service; a key's own limit may be higher or lower.
DEFAULT_RATE_LIMIT = "6000/minute"


def _bool(env: Env, name: str, default: bool) -> bool:
    value = env.text(name, "true" if default else "false").lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"{name} must be true or false, got {value!r}")
    return value in ("true", "1", "yes")


def _limit(env: Env, name: str, default: str) -> str:
    value = env.text(name, default)
    try:
        parse(value)
    except ValueError:
        raise SettingsError(f"{name} must be a rate like '100/minute', got {value!r}") from None
    return value


def _storage(env: Env) -> str:
    value = env.text("RATE_LIMIT_STORAGE_URL", "memory://")
    if not value.startswith(("memory://", "redis://", "rediss://")):
        raise SettingsError(f"RATE_LIMIT_STORAGE_URL must be memory:// or a redis:// URL, got {value!r}")
    return value


@dataclass(frozen=True)
class AuthSettings:
    keys_file: str
    public_metrics: bool  # /metrics open without a key
    public_docs: bool  # /openapi.json and /docs open without a key
    rate_limit: str  # per key, for keys without their own (keys limit <id> <rate>)
    rate_limit_storage_url: str  # where the counts live: redis://… shares them between workers and services
    failure_limit: str  # failed authentications per client address and key id before 429

    @classmethod
    def from_env(cls, env: Env | None = None) -> AuthSettings:
        env = env or Env()
        return cls(
            keys_file=env.text("API_KEYS_FILE", "api-keys.json"),
            public_metrics=_bool(env, "PUBLIC_METRICS", True),
            public_docs=_bool(env, "PUBLIC_DOCS", True),
            rate_limit=_limit(env, "RATE_LIMIT", DEFAULT_RATE_LIMIT),
            rate_limit_storage_url=_storage(env),
            failure_limit=_limit(env, "AUTH_FAILURE_LIMIT", "60/minute"),
        )
