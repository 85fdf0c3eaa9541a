"""How a key of a partner's document is written in the view store and named in a filter: percent-escaped.

MongoDB and FerretDB refuse keys holding a dot or starting with `$` (and the BSON encoder refuses NUL), so
the store holds every key with `%`, `.`, `$` and NUL written as `%25`, `%2E`, `%24` and `%00`. Escaping
`%` itself makes the mapping one-to-one, so reading a document back gives the partner's keys exactly. The
empty key needs nothing: both servers store it. In a filter path a segment is the key percent-encoded as
in a URL (`payload.a%2Eb`); it is decoded and escaped again, so any encoding of the same key finds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

_UNSAFE = re.compile(r"[%.$\x00]")
_ESCAPED = re.compile(r"%(?:25|2E|24|00)")
_ESCAPES = {"%": "%25", ".": "%2E", "$": "%24", "\x00": "%00"}
_UNESCAPES = {escaped: key for key, escaped in _ESCAPES.items()}
_CONTAINERS = (dict, list)


def escape_key(key: str) -> str:
    """The key as the store holds it."""
    return _UNSAFE.sub(lambda found: _ESCAPES[found.group()], key)


def unescape_key(key: str) -> str:
    """The partner's key from the store's form (the inverse of escape_key)."""
    return _ESCAPED.sub(lambda found: _UNESCAPES[found.group()], key)


def store_segment(segment: str) -> str:
    """A filter path's percent-encoded segment in the store's form; ValueError if it is not UTF-8."""
    if "%" not in segment:
        return segment
    return escape_key(unquote(segment, errors="strict"))


def encode_keys(value: Any) -> Any:
    """`value` with every key escaped for the store; `value` itself when no key needs it (the usual case)."""
    return _renamed(value, _needs_escape, escape_key) if _any_key(value, _needs_escape) else value


def decode_keys(value: Any) -> Any:
    """A stored document with the partner's keys again; the document itself when no key was escaped."""
    return _renamed(value, _was_escaped, unescape_key) if _any_key(value, _was_escaped) else value


def _needs_escape(key: str) -> bool:
    return "." in key or "$" in key or "%" in key or "\x00" in key  # `in` is twice as fast as a regex


def _was_escaped(key: str) -> bool:
    return "%" in key


def _any_key(value: Any, picked: Callable[[str], bool]) -> bool:
    # The projector writes every view through this: the check only walks, and skips scalars without a call;
    # the copy is made only for the rare document that needs one.
    if isinstance(value, dict):
        for key, item in value.items():
            if picked(key) or (isinstance(item, _CONTAINERS) and _any_key(item, picked)):
                return True
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, _CONTAINERS) and _any_key(item, picked):
                return True
    return False


def _renamed(value: Any, picked: Callable[[str], bool], rename: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {
            (rename(key) if picked(key) else key): _renamed(item, picked, rename)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_renamed(item, picked, rename) for item in value]
    return value
