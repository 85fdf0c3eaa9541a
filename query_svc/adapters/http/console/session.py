"""Console sign-in: the API key, encrypted, in a signed HttpOnly SameSite=Strict session cookie.

The browser holds the key only inside the cookie, encrypted with a key derived from the console secret, so
no script can read it and a leaked cookie stops working when the session's lifetime ends. Every request
authenticates the key again against the key file, so revoking the key ends its console sessions at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from flask import abort, request, session

from eventkit.auth.keys import KeyFile
from eventkit.auth.principal import Principal
from eventkit.auth.throttle import FailureThrottle

_KEY = "key"
_CSRF = "csrf"


class LoginRefused(Exception):
    """The key was refused (401) or this address failed too often lately (429)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    api_key: str  # forwarded to the service's own API in process, never sent back to the browser


def cipher_for(secret: str) -> Fernet:
    """The cookie's cipher, derived from the console secret (Flask signs the cookie with the secret)."""
    digest = hashlib.sha256(b"dataingest console session key|" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class ConsoleSession:
    def __init__(self, keys: KeyFile, cipher: Fernet, lifetime: timedelta, failure_limit: str) -> None:
        self._keys = keys
        self._cipher = cipher
        self._ttl_s = int(lifetime.total_seconds())
        # As the API's guard counts failed keys: per process, address and presented key id.
        self._failures = FailureThrottle(failure_limit)

    def log_in(self, raw_key: str) -> Principal:
        if self._failures.retry_after(raw_key) is not None:
            raise LoginRefused(429, "Too many failed sign-ins with this key here; wait a minute.")
        principal = self._keys.authenticate(raw_key) if raw_key else None
        if principal is None:
            self._failures.failed(raw_key)
            raise LoginRefused(401, "That API key is not valid, or it has been revoked.")
        if principal.is_service:
            raise LoginRefused(
                403,
                "A service key only fetches data keys; sign in with a partner's or an admin key.",
            )
        session.clear()  # a fresh session (and CSRF token) at every sign-in
        session.permanent = True
        session[_KEY] = self._cipher.encrypt(raw_key.encode()).decode()
        session[_CSRF] = secrets.token_urlsafe(32)
        return principal

    def signed_in(self) -> SignedIn | None:
        """The caller, if the cookie holds a key that is still valid and a session not yet expired."""
        token = session.get(_KEY)
        if not isinstance(token, str):
            return None
        try:
            raw_key = self._cipher.decrypt(token.encode(), ttl=self._ttl_s).decode()
        except InvalidToken:
            session.clear()
            return None
        principal = self._keys.authenticate(raw_key)
        if principal is None or principal.is_service:
            session.clear()
            return None
        return SignedIn(principal, raw_key)

    @staticmethod
    def log_out() -> None:
        session.clear()


def csrf_token() -> str:
    """The session's token that every form and script must send back with a POST."""
    token = session.get(_CSRF)
    if not isinstance(token, str):
        token = session[_CSRF] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuses a POST without the session's token (SameSite=Strict already keeps cross-site posts out)."""
    sent = request.form.get("csrf") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get(_CSRF)
    if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        abort(403, "The form has expired or did not come from this console; reload the page and retry.")
