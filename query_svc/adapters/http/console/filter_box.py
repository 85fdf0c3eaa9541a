"""Turns what people type into the explorer's filter box and as-of picker into the API's parameters."""

from __future__ import annotations

from datetime import UTC, datetime

from query_svc.application.listing import RESERVED
from query_svc.domain.errors import InvalidQuery
from query_svc.domain.filters import parse_date


def filter_params(text: str) -> dict[str, str]:
    """A JSON object becomes `filter`; otherwise `field=value&field__op=value` shorthand, one per `&` or line.

    Values are taken verbatim (no URL decoding), so `payload.name__regex=^A+` means what it says.
    """
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        return {"filter": text}
    params: dict[str, str] = {}
    for raw in text.replace("\n", "&").split("&"):
        part = raw.strip()
        if not part:
            continue
        name, equals, value = part.partition("=")
        name = name.strip()
        if not equals or not name:
            raise InvalidQuery(f"{part!r}: write field=value or field__op=value, or a JSON filter object")
        if name in RESERVED - {"filter"}:
            raise InvalidQuery(f"{name}: use the page's sort and paging controls instead")
        if name in params:
            raise InvalidQuery(f"{name} given twice; combine conditions in a JSON filter")
        params[name] = value.strip()
    return params


def as_of_moment(text: str | None) -> datetime | None:
    """The picker's time: RFC 3339, or a datetime-local value without offset, read as UTC."""
    if not text:
        return None
    text = text.strip()
    try:
        naive = datetime.fromisoformat(text).tzinfo is None
    except ValueError:
        naive = False
    if naive:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    return parse_date(text, "as_of")
