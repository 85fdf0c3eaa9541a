"""What the isolation matrix needs besides HTTP: the check that an answer holds no trace of another partner,
console sessions driven with plain requests, and the console's routes read from its Flask URL map."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import requests

from eventkit.auth.keys import add_key
from eventkit.settings import Env
from query_svc.bootstrap import create_app
from query_svc.settings import Settings

_CURSOR = re.compile(r"cursor=([A-Za-z0-9_-]+)")
_FORM_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
COOKIE = "console_session"
ROUTE_SECRET = "isolation-matrix-route-inventory-secret-0123456789"


@dataclass(frozen=True)
class Party:
    """One partner's side of the matrix: its records and the marker in every payload it sent."""

    partner_id: str
    key: str
    record_ids: tuple[str, ...]
    marker: str


@dataclass(frozen=True)
class Answer:
    """What a caller can read from one response: the body and every header."""

    status: int
    body: str
    headers: Mapping[str, str]

    @classmethod
    def of(cls, response: requests.Response) -> Answer:
        return cls(response.status_code, response.text, dict(response.headers))


def readable_text(answer: Answer) -> str:
    """The body, the headers, and the decoded content of any cursor they hand out (cursors are base64)."""
    named = {name.lower(): value for name, value in answer.headers.items()}  # as HTTP compares them
    headers = "\n".join(f"{name}: {value}" for name, value in named.items())
    decoded = [_decode(cursor) for cursor in _CURSOR.findall(f"{answer.body}\n{headers}")]
    if "next-cursor" in named:
        decoded.append(_decode(named["next-cursor"]))
    return "\n".join([answer.body, headers, *decoded])


def foreign_traces(answer: Answer, foreign: Party, echoes: Iterable[str] = ()) -> list[str]:
    """Another partner's record ids, partner id or payload marker found in the answer, leaving out the
    values the caller itself sent (`echoes`: a 404 may name the id asked for, a form shows its filter)."""
    text = readable_text(answer)
    for echoed in echoes:
        text = text.replace(echoed, "")
    named = [(f"record id {rid}", rid) for rid in foreign.record_ids]
    named += [(f"partner id {foreign.partner_id}", foreign.partner_id), ("payload marker", foreign.marker)]
    return [f"{foreign.partner_id}'s {what}" for what, value in named if value in text]


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode(errors="replace")
    except (ValueError, binascii.Error):
        return ""


def console_routes(key_file: Path) -> list[tuple[str, str]]:
    """(METHOD, rule) of every route of the console that query_svc's own composition root mounts."""
    environ = {"API_KEYS_FILE": str(key_file), "CONSOLE_SECRET_KEY": ROUTE_SECRET}
    add_key(key_file, "admin", label="route inventory")  # the app refuses to start without a key file
    app = create_app(Settings.from_env(Env(environ)))  # builds clients; connects to nothing yet
    console = app.wsgi_app.mounts["/console"]  # type: ignore[attr-defined]
    return sorted(
        (method, rule.rule)
        for rule in console.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    )


@dataclass(frozen=True)
class ConsoleSession:
    """A browser's session in the console: its cookie and CSRF token, sent by hand because the cookie is
    Secure and requests keeps Secure cookies off plain http."""

    base: str
    cookie: str
    csrf: str

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> requests.Response:
        headers = {"Cookie": f"{COOKIE}={self.cookie}", "X-CSRF-Token": self.csrf}
        return requests.request(
            method, f"{self.base}{path}", data=form, headers=headers, allow_redirects=False, timeout=10
        )


def anonymous(base: str) -> ConsoleSession:
    """A session that has seen the sign-in page (so it holds a CSRF token) and signed in as no one."""
    page = requests.get(f"{base}/login", timeout=10)
    return ConsoleSession(base, _cookie(page), _token(_FORM_CSRF, page.text))


def sign_in(base: str, key: str | None) -> ConsoleSession:
    """The session after signing in with `key`; still anonymous if the console refused the key."""
    session = anonymous(base)
    if key is None:
        return session
    answer = session.request("POST", "/login", {"key": key})
    if answer.status_code != 302:
        return session
    signed_in = ConsoleSession(base, _cookie(answer), "")
    page = signed_in.request("GET", "/")
    return ConsoleSession(base, signed_in.cookie, _token(_META_CSRF, page.text))


def _cookie(response: requests.Response) -> str:
    cookie = response.cookies.get(COOKIE)
    assert cookie, f"the console set no session cookie: {response.status_code} {response.headers}"
    return cookie


def _token(pattern: re.Pattern[str], html: str) -> str:
    match = pattern.search(html)
    assert match, f"no CSRF token in the console's page: {html[:300]}"
    return match.group(1)
