"""Carries the correlation id of the current request or message through logs and events."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)
# Ids from callers are echoed into headers and logs, so only a safe, bounded alphabet is kept.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def current_correlation_id() -> str | None:
    return _current.get()


def accept_or_new(candidate: str | None) -> str:
    """Returns the caller's id when it is safe to echo, otherwise a fresh one."""
    if candidate and _SAFE_ID.fullmatch(candidate):
        return candidate
    return str(uuid.uuid4())


@contextmanager
def correlation_scope(correlation_id: str) -> Iterator[str]:
    token = _current.set(correlation_id)
    try:
        yield correlation_id
    finally:
        _current.reset(token)


def bind(correlation_id: str) -> Token[str | None]:
    """Sets the id for the current context until `unbind` is given the returned token."""
    return _current.set(correlation_id)


def unbind(token: Token[str | None]) -> None:
    _current.reset(token)
