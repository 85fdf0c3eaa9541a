"""Reads typed settings from the environment once, failing fast with the variable's name."""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# A compact JWT: header, claims and signature, each base64url without padding, joined by dots.
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class SettingsError(ValueError):
    """A configuration variable is missing or malformed."""


class Env:
    """Typed access to environment variables; every error names the variable and the expectation."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ

    def text(self, name: str, default: str) -> str:
        value = self._environ.get(name, default).strip()
        if not value:
            raise SettingsError(f"{name} must not be empty")
        return value

    def optional_text(self, name: str) -> str:
        """The variable's value, or "" when it is unset or blank."""
        return self._environ.get(name, "").strip()

    def integer(self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
        raw = self._environ.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise SettingsError(f"{name} must be {bound}, got {value}")
        return value

    def url(self, name: str, default: str, *, schemes: tuple[str, ...]) -> str:
        value = self.text(name, default)
        parsed = urlparse(value)
        if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
            raise SettingsError(f"{name} must be a URL with scheme {' or '.join(schemes)}, got {value!r}")
        return value

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.text(name, default).upper() if choices == LOG_LEVELS else self.text(name, default)
        if value not in choices:
            raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        return value


@dataclass(frozen=True)
class RuntimeSettings:
    """What every service needs: its HTTP port, the broker, and logging."""

    service_name: str
    port: int
    bind_host: str
    pulsar_service_url: str
    pulsar_listener_name: str
    pulsar_admin_url: str
    pulsar_namespace: str
    log_level: str
    web_workers: int
    web_threads: int
    # Peers whose X-Forwarded-For / -Proto the server believes (addresses or networks); none by default,
    # so a client cannot pick its own address for the failed-authentication throttle.
    forwarded_allow_ips: tuple[str, ...] = ()
    # The JWT this service presents to a broker with token authentication ("" = none); kept out of repr.
    pulsar_auth_token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, service_name: str, default_port: int, env: Env | None = None) -> RuntimeSettings:
        env = env or Env()
        namespace = env.text("PULSAR_NAMESPACE", "persistent://public/default")
        if not namespace.startswith(("persistent://", "non-persistent://")) or namespace.count("/") != 3:
            raise SettingsError(
                f"PULSAR_NAMESPACE must look like persistent://tenant/namespace, got {namespace!r}"
            )
        return cls(
            service_name=service_name,
            port=env.integer("PORT", default_port, minimum=1, maximum=65535),
            bind_host=env.text("BIND_HOST", "127.0.0.1"),
            pulsar_service_url=env.url(
                "PULSAR_SERVICE_URL", "pulsar://localhost:6650", schemes=("pulsar", "pulsar+ssl")
            ),
            pulsar_listener_name=env.optional_text("PULSAR_LISTENER_NAME"),
            pulsar_admin_url=env.url("PULSAR_ADMIN_URL", "http://localhost:8080", schemes=("http", "https")),
            pulsar_namespace=namespace,
            log_level=env.choice("LOG_LEVEL", "INFO", LOG_LEVELS),
            web_workers=env.integer("WEB_WORKERS", 2, minimum=1, maximum=64),
            web_threads=env.integer("WEB_THREADS", 4, minimum=1, maximum=256),
            forwarded_allow_ips=_networks(env, "FORWARDED_ALLOW_IPS"),
            pulsar_auth_token=pulsar_auth_token(env),
        )


def _networks(env: Env, name: str) -> tuple[str, ...]:
    """A comma-separated list of addresses or networks (10.0.0.0/8); empty means none."""
    items = tuple(item.strip() for item in env.optional_text(name).split(",") if item.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(
                f"{name} must list proxy addresses or networks, e.g. 10.0.0.5,192.168.0.0/16; got {item!r}"
            ) from None
    return items


@dataclass(frozen=True)
class Secret:
    """A credential and where it was read, for messages: they name the source, never the value."""

    value: str
    source: str  # "VAR", or "VAR_FILE (/path)"


def secret(env: Env, variable: str) -> Secret | None:
    """`variable`'s value, else the content of the file `<variable>_FILE` names (the convention container
    secrets follow); None for neither. Both set is refused: which one should win would be a guess."""
    value, path = env.optional_text(variable), env.optional_text(f"{variable}_FILE")
    if value and path:
        raise SettingsError(f"set {variable} or {variable}_FILE, not both")
    if value:
        return Secret(value, variable)
    if not path:
        return None
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, ValueError) as error:  # ValueError: not UTF-8 text, so no secret
        raise SettingsError(f"{variable}_FILE {path!r} cannot be read: {error}") from None
    source = f"{variable}_FILE ({path})"
    if not value:
        raise SettingsError(f"{source} is empty")
    return Secret(value, source)


def pulsar_auth_token(env: Env) -> str:
    """PULSAR_AUTH_TOKEN(_FILE) (see `secret`), checked to be a JWT; "" for neither."""
    token = secret(env, "PULSAR_AUTH_TOKEN")
    if token is None:
        return ""
    if not _is_jwt(token.value):
        raise SettingsError(
            f"{token.source} must hold a JWT (header.claims.signature) as `pulsar tokens create` prints"
        )
    return token.value


def _is_jwt(token: str) -> bool:
    if not _JWT.fullmatch(token):
        return False
    header = token.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except ValueError:  # binascii.Error, UnicodeDecodeError and JSONDecodeError alike
        return False
    return isinstance(decoded, dict) and "alg" in decoded


def postgres_url(env: Env, default: str) -> str:
    """DATABASE_URL: the service's own PostgreSQL database."""
    return env.url("DATABASE_URL", default, schemes=("postgresql", "postgresql+psycopg2"))
