"""Golden envelopes: every published shape still decodes, and the latest ones re-encode unchanged."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from contracts import REGISTRY, DataIngested, DataProcessed, DataValidated, decode, encode

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "events"
GOLDEN_FILES = sorted(GOLDEN_DIR.glob("v*/*.json"))


def _is_latest(path: Path) -> bool:
    event_type = json.loads(path.read_bytes())["event_type"]
    return path.parent.name == f"v{REGISTRY[event_type].latest_version}"


LATEST_GOLDEN_FILES = [path for path in GOLDEN_FILES if _is_latest(path)]


def _stem_of(event_type: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", event_type).lower()


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_golden_event_decodes_to_the_latest_version(path: Path) -> None:
    event = decode(path.read_bytes())

    assert event.schema_version == REGISTRY[event.event_type].latest_version
    assert isinstance(event.data, REGISTRY[event.event_type].data_class)


@pytest.mark.parametrize("path", LATEST_GOLDEN_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_a_golden_event_at_the_latest_version_reencodes_unchanged(path: Path) -> None:
    assert json.loads(encode(decode(path.read_bytes()))) == json.loads(path.read_bytes())


@pytest.mark.parametrize("event_type", sorted(REGISTRY))
def test_every_event_type_has_a_golden_event_at_its_latest_version(event_type: str) -> None:
    path = GOLDEN_DIR / f"v{REGISTRY[event_type].latest_version}" / f"{_stem_of(event_type)}.json"

    assert decode(path.read_bytes()).event_type == event_type


def test_the_golden_data_ingested_reads_as_typed_data() -> None:
    event = decode((GOLDEN_DIR / "v1" / "data_ingested.json").read_bytes())

    assert isinstance(event.data, DataIngested)
    assert event.data.payload["customer"]["name"] == "Lucía Fernández"
    assert event.data.external_id == "PO-2025-000417"
    assert event.occurred_at.isoformat() == "2025-03-14T09:26:53.589793+00:00"
    assert event.causation_id is None


def test_the_golden_data_validated_reads_as_typed_data() -> None:
    event = decode((GOLDEN_DIR / "v1" / "data_validated.json").read_bytes())

    assert isinstance(event.data, DataValidated)
    assert event.data.is_valid is False
    assert [violation.field for violation in event.data.errors] == ["customer.tax_id", "items[1].unit_price"]


def test_the_golden_data_processed_reads_as_typed_data() -> None:
    event = decode((GOLDEN_DIR / "v1" / "data_processed.json").read_bytes())

    assert isinstance(event.data, DataProcessed)
    assert event.data.status == "processed"
    assert [step.status for step in event.data.steps] == ["succeeded", "succeeded", "skipped"]
    assert event.data.steps[2].extra == {"reason": "partner has no webhook"}


def test_encoding_is_compact_utf8_json() -> None:
    raw = encode(decode((GOLDEN_DIR / "v1" / "data_ingested.json").read_bytes()))

    assert raw == json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert "Lucía Fernández".encode() in raw
