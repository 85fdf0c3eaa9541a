"""The one exception that says which fields of an event break its published contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

ROOT = "event"
_SCHEMA_KEY = "_schema"


class InvalidEvent(ValueError):
    """Raised when an event cannot be read or written under its published contract."""

    def __init__(self, errors: Mapping[str, Sequence[str]], context: str | None = None) -> None:
        self.errors: dict[str, list[str]] = {path: list(messages) for path, messages in errors.items()}
        self.context = context
        text = "; ".join(f"{path}: {message}" for path, messages in errors.items() for message in messages)
        super().__init__(f"{text} ({context})" if context else text)

    def __reduce__(self) -> tuple[type[InvalidEvent], tuple[dict[str, list[str]], str | None]]:
        # Pickling replays __init__ with these arguments, e.g. when a worker process reports a failure.
        return type(self), (self.errors, self.context)

    @classmethod
    def at(cls, path: str, message: str) -> InvalidEvent:
        """Builds the error for a single field."""
        return cls({path: [message]})


def flatten_messages(messages: object, prefix: str = "") -> dict[str, list[str]]:
    """Flattens marshmallow's nested error messages into dotted field paths."""
    flat: dict[str, list[str]] = {}
    _collect(messages, prefix, flat)
    return flat


def _collect(messages: object, path: str, flat: dict[str, list[str]]) -> None:
    """Adds the messages found under one path to the flat mapping."""
    if isinstance(messages, Mapping):
        for key, nested in messages.items():
            child = path if key == _SCHEMA_KEY else ".".join(filter(None, (path, str(key))))
            _collect(nested, child, flat)
    elif isinstance(messages, (list, tuple)):
        for nested in messages:
            _collect(nested, path, flat)
    else:
        flat.setdefault(path or ROOT, []).append(str(messages))
