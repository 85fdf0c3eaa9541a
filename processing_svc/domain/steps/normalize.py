"""normalize: trims and collapses whitespace in string values, applies NFC, and orders keys canonically."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from processing_svc.domain.errors import StepRejected
from processing_svc.domain.steps.base import DuplicateIndex, StepOutput, Work

_WHITESPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Returns the text in NFC with its whitespace trimmed and every run of it made one space."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def normalize_value(value: Any) -> Any:
    """Returns the value normalized, recursively, with object keys in NFC and sorted by code point.

    Keys get NFC but keep their whitespace: a key is a name the partner chose, and trimming it could make
    two different fields one. StepRejected if two keys of one object are the same text once in NFC.
    """
    if isinstance(value, str):
        return normalize_text(value)
    if isinstance(value, dict):
        pairs: dict[str, Any] = {}
        for key, item in value.items():
            normal_key = unicodedata.normalize("NFC", key)
            if normal_key in pairs:
                raise StepRejected(f"two keys are both {normal_key!r} once in Unicode NFC")
            pairs[normal_key] = normalize_value(item)
        return dict(sorted(pairs.items()))
    if isinstance(value, list):
        return [normalize_value(item) for item in value]
    return value


class Normalize:
    """Rewrites the payload into its normal form, which every later step sees."""

    name = "normalize"
    version = "2"

    def run(self, work: Work, duplicates: DuplicateIndex) -> StepOutput:
        payload = normalize_value(dict(work.payload))
        # Serialized in their own key order, so a reordering at any depth counts as a change too.
        changed = json.dumps(payload) != json.dumps(dict(work.payload))
        return StepOutput({"changed": changed}, payload)
