"""Reads the per-partner expected fields from their JSON file at start-up."""

from __future__ import annotations

import json
from pathlib import Path

from processing_svc.domain.errors import InvalidExpectedFields
from processing_svc.domain.steps.quality import ExpectedFields


def load_expected_fields(path: Path) -> ExpectedFields:
    """Returns the file's configuration; InvalidExpectedFields names the file and what is wrong."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidExpectedFields(f"cannot read {path}: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidExpectedFields(f"{path} is not valid JSON: {error}") from None
    try:
        return ExpectedFields.from_document(document)
    except InvalidExpectedFields as error:
        raise InvalidExpectedFields(f"{path}: {error}") from None
