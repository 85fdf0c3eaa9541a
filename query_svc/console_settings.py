"""The operator console's settings, read with the rest of query_svc's at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eventkit.settings import Env, SettingsError

OFF = "off"
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
    """`variable`, else the content of the file `<variable>_FILE` names; None for neither."""
    secret, name = env.text(variable, OFF), variable
    path = env.text(f"{variable}_FILE", OFF)
    if secret == OFF and path != OFF:
        try:
            secret, name = Path(path).read_text().strip(), f"{variable}_FILE ({path})"
        except OSError as error:
            raise SettingsError(f"{variable}_FILE {path!r} cannot be read: {error}") from None
    if secret == OFF:
        return None
    if len(secret) < MIN_SECRET_LENGTH:
        raise SettingsError(f"{name} must hold at least {MIN_SECRET_LENGTH} characters: openssl rand -hex 32")
    return secret
