"""How a key of a partner's document is written in the view store and named in a filter: percent-escaped.

MongoDB and FerretDB refuse keys holding a dot or starting with `$` (and the BSON encoder refuses NUL), so
the store holds every key with `%`, `.`, `$` and NUL written as `%25`, `%2E`, `%24` and `%00`. Escaping
`%` itself makes the mapping one-to-one, so reading a document back gives the partner's keys exactly. The
empty key needs nothing: both servers store it. In a filter path a segment is the key percent-encoded as
in a URL (`payload.a%2Eb`); it is decoded and escaped again, so any encoding of the same key finds it.
FerretDB also refuses arrays of arrays, so an array held directly in an array is stored wrapped in an
object whose one key is `%` (see WRAPPED_ARRAY), which no escaped partner key can equal.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

_UNSAFE = re.compile(r"[%.$\x00]")
_ESCAPED = re.compile(r"%(?:25|2E|24|00)")
_ESCAPES = {"%": "%25", ".": "%2E", "$": "%24", "\x00": "%00"}
_UNESCAPES = {escaped: key for key, escaped in _ESCAPES.items()}
_CONTAINERS = (dict, list)
# FerretDB 1.24 refuses an array held directly in an array; such an array is stored as {"%": [...]}.
# No partner key is stored as "%" (it is escaped to "%25"), so the wrapper cannot be mistaken for data.
WRAPPED_ARRAY = "%"


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
    """`value` with every key escaped and every array held directly in an array wrapped for the store;
    `value` itself when nothing needs it (the usual case)."""
    return _encoded(value, in_list=False) if _needs_encoding(value) else value


def decode_keys(value: Any) -> Any:
    """A stored document with the partner's keys and arrays again; the document itself when nothing was
    escaped or wrapped."""
    return _decoded(value, in_list=False) if _needs_decoding(value) else value


def _needs_escape(key: str) -> bool:
    return "." in key or "$" in key or "%" in key or "\x00" in key  # `in` is twice as fast as a regex


# The projector writes every view through these: the checks only walk, and skip scalars without a call;
# the copy is made only for the rare document that needs one.


def _needs_encoding(value: Any) -> bool:
    if isinstance(value, dict):
        for key, item in value.items():
            if _needs_escape(key) or (isinstance(item, _CONTAINERS) and _needs_encoding(item)):
                return True
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, list) or (isinstance(item, dict) and _needs_encoding(item)):
                return True
    return False


def _needs_decoding(value: Any) -> bool:
    if isinstance(value, dict):
        for key, item in value.items():
            if "%" in key or (isinstance(item, _CONTAINERS) and _needs_decoding(item)):
                return True
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, _CONTAINERS) and _needs_decoding(item):
                return True
    return False


def _encoded(value: Any, *, in_list: bool) -> Any:
    if isinstance(value, dict):
        return {
            (escape_key(key) if _needs_escape(key) else key): _encoded(item, in_list=False)
            for key, item in value.items()
        }
    if isinstance(value, list):
        items = [_encoded(item, in_list=True) for item in value]
        return {WRAPPED_ARRAY: items} if in_list else items
    return value


def _decoded(value: Any, *, in_list: bool) -> Any:
    if isinstance(value, dict):
        if in_list and len(value) == 1 and isinstance(value.get(WRAPPED_ARRAY), list):
            return [_decoded(item, in_list=True) for item in value[WRAPPED_ARRAY]]
        return {
            (unescape_key(key) if "%" in key else key): _decoded(item, in_list=False)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_decoded(item, in_list=True) for item in value]
    return value
