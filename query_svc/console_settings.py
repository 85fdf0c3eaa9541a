"""The operator console's settings, read with the rest of query_svc's at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from eventkit.settings import Env, SettingsError, secret

MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class ConsoleSettings:
    """The console at /console; off unless a secret protects its session cookie."""

    secret_key: str | None  # signs the cookie and derives the key that encrypts the API key inside it
    session_minutes: int  # a console session ends this long after login, whatever happens
    secure_cookie: bool  # the cookie travels over HTTPS only (browsers count http://localhost as secure)

    @classmethod
    def from_env(cls, env: Env | None = None) -> ConsoleSettings:
        env = env or Env()
        secure = env.text("CONSOLE_COOKIE_SECURE", "true").lower()
        if secure not in ("true", "false"):
            raise SettingsError(f"CONSOLE_COOKIE_SECURE must be true or false, got {secure!r}")
        return cls(
            secret_key=secret_setting(env, "CONSOLE_SECRET_KEY"),
            session_minutes=env.integer("CONSOLE_SESSION_MINUTES", 480, minimum=1, maximum=7 * 24 * 60),
            secure_cookie=secure == "true",
        )


def secret_setting(env: Env, variable: str) -> str | None:
    """`variable` or `<variable>_FILE` (see eventkit.settings.secret), at least MIN_SECRET_LENGTH long."""
    found = secret(env, variable)
    if found is not None and len(found.value) < MIN_SECRET_LENGTH:
        raise SettingsError(
            f"{found.source} must hold at least {MIN_SECRET_LENGTH} characters: openssl rand -hex 32"
        )
    return None if found is None else found.value
