"""Golden envelopes: every published shape still decodes, and the latest ones re-encode unchanged."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts import (
    REGISTRY,
    DataErased,
    DataIngested,
    DataProcessed,
    DataValidated,
    Sealed,
    decode,
    encode,
    topic_for,
)

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


def _read(name: str, version: int) -> bytes:
    return (GOLDEN_DIR / f"v{version}" / f"{name}.json").read_bytes()


def test_the_golden_sealed_data_ingested_reads_as_typed_data_without_its_payload() -> None:
    raw = _read("data_ingested", 2)
    event = decode(raw)

    assert isinstance(event.data, DataIngested)
    assert event.data.payload is None
    assert event.data.sealed_payload == Sealed(
        "7+WTKtf4X1EI+vf9", json.loads(raw)["data"]["sealed_payload"]["ciphertext"]
    )
    assert event.data.content_hash.startswith("hmac-sha256:")
    assert event.data.external_id == "PO-2025-000417"
    assert b"Luc" not in raw and b"order_id" not in raw


def test_the_golden_plain_data_ingested_reads_as_typed_data() -> None:
    event = decode(_read("data_ingested_plain", 2))

    assert isinstance(event.data, DataIngested)
    assert event.data.payload is not None
    assert event.data.payload["customer"]["name"] == "Lucía Fernández"
    assert event.data.sealed_payload is None
    assert event.data.external_id == "PO-2025-000417"
    assert event.occurred_at.isoformat() == "2025-03-14T09:26:53.589793+00:00"
    assert event.causation_id is None


def test_the_golden_data_validated_reads_as_typed_data() -> None:
    event = decode(_read("data_validated", 1))

    assert isinstance(event.data, DataValidated)
    assert event.data.is_valid is False
    assert [violation.field for violation in event.data.errors] == ["customer.tax_id", "items[1].unit_price"]


def test_the_golden_sealed_data_processed_reads_as_typed_data_without_its_details() -> None:
    raw = _read("data_processed", 2)
    event = decode(raw)

    assert isinstance(event.data, DataProcessed)
    assert event.data.status == "processed"
    assert event.data.result is None
    assert [step.status for step in event.data.steps] == ["succeeded", "succeeded", "skipped"]
    assert [step.extra for step in event.data.steps] == [{}, {}, {}]
    assert event.data.sealed_details is not None
    assert b"order_total" not in raw and b"webhook" not in raw


def test_the_golden_data_erased_reads_as_typed_data() -> None:
    event = decode(_read("data_erased", 1))

    assert event.data == DataErased(
        erased_at=datetime(2026, 12, 9, 16, 40, 31, 268311, tzinfo=UTC),
        erased_by="acme-logistics",
        reason="The customer asked to be forgotten (GDPR article 17).",
    )
    assert topic_for(event.event_type, "persistent://public/default").endswith("/data-ingested")


def test_a_version_1_data_ingested_reads_as_the_plain_version_2_event_it_is() -> None:
    assert json.loads(encode(decode(_read("data_ingested", 1)))) == json.loads(
        _read("data_ingested_plain", 2)
    )


def test_a_version_1_data_processed_reads_unchanged_with_its_result_in_plain() -> None:
    wire = json.loads(_read("data_processed", 1))
    event = decode(wire)

    assert isinstance(event.data, DataProcessed)
    assert event.data.result == {"order_total": 309.47, "currency": "EUR", "line_count": 2, "express": True}
    assert event.data.steps[2].extra == {"reason": "partner has no webhook"}
    assert event.data.sealed_details is None
    wire["schema_version"] = 2
    wire["data"]["sealed_details"] = None
    assert json.loads(encode(event)) == wire


def test_encoding_is_compact_utf8_json() -> None:
    raw = encode(decode(_read("data_ingested_plain", 2)))

    assert raw == json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert "Lucía Fernández".encode() in raw
