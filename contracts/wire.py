"""Marshmallow building blocks that every event schema shares: a tolerant base schema and wire field types."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from contracts.json_values import JsonObject, json_problem

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})?")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


class TolerantSchema(Schema):
    """Base schema for tolerant readers: fields it does not know are dropped, never rejected."""

    class Meta:
        unknown = EXCLUDE


def format_rfc3339(moment: datetime) -> str:
    """Writes a datetime as RFC 3339 in UTC with microseconds and a trailing Z (naive ones without offset)."""
    if moment.tzinfo is None:
        return moment.isoformat(timespec="microseconds")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_rfc3339(text: str) -> datetime | None:
    """Reads an RFC 3339 datetime, naive when it lacks an offset, or returns None when it is not one."""
    normalized = text.upper()
    if _RFC3339.fullmatch(normalized) is None:
        return None
    try:
        # Python keeps microseconds and drops any further fractional digits.
        return datetime.fromisoformat(normalized)
    except ValueError:
        return None


def _parsed(value: object) -> datetime | None:
    """Reads a value as an RFC 3339 datetime when it is text, or returns None."""
    return parse_rfc3339(value) if isinstance(value, str) else None


class UtcDateTime(fields.Field[datetime]):
    """An RFC 3339 timestamp that must carry an offset, loaded as an aware UTC datetime."""

    default_error_messages = {
        "invalid": "Not a valid RFC 3339 datetime.",
        "naive": "Must be timezone-aware: end with Z or a UTC offset.",
    }

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        # Anything that is not a datetime is passed through so that validation, not dumping, reports it.
        return format_rfc3339(value) if isinstance(value, datetime) else value

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> datetime:
        # Datetime objects are accepted too, so producers may hand new_event their data as a plain mapping.
        moment = value if isinstance(value, datetime) else _parsed(value)
        if moment is None:
            raise self.make_error("invalid")
        if moment.tzinfo is None:
            raise self.make_error("naive")
        return moment.astimezone(UTC)


class UuidString(fields.Field[str]):
    """A UUID in its hyphenated 36-character form, loaded as lowercase text."""

    default_error_messages = {"invalid": "Not a valid UUID."}

    def _serialize(self, value: str | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return str(value) if isinstance(value, uuid.UUID) else value

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> str:
        if not isinstance(value, str) or _UUID.fullmatch(value) is None:
            raise self.make_error("invalid")
        return str(uuid.UUID(value))


class StrictBoolean(fields.Field[bool]):
    """A JSON true or false; unlike marshmallow's Boolean it refuses 1, 0 and strings."""

    default_error_messages = {"invalid": "Not a valid boolean."}

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class JsonObjectField(fields.Field[JsonObject]):
    """A free-form JSON object whose members must all be plain JSON values."""

    default_error_messages = {
        "invalid": "Not a valid mapping type.",
        "not_json": "Not plain JSON: {problem}.",
    }

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> JsonObject:
        if not isinstance(value, dict):
            raise self.make_error("invalid")
        problem = json_problem(value)
        if problem is not None:
            raise self.make_error("not_json", problem=problem)
        return value


def strict_integer(minimum: int) -> fields.Integer:
    """Builds a required integer field that refuses floats, strings, booleans and values below a minimum."""
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=minimum))
