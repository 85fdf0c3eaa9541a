"""The DataRecord aggregate: born from DataReceived, changed by DataAmended, rebuilt from history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingestion_svc.domain.errors import VersionConflict
from ingestion_svc.domain.events import DataAmended, DataReceived, DomainEvent
from ingestion_svc.domain.record import DataRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _received() -> DataRecord:
    record, _ = DataRecord.receive("r1", "partner123", {"name": "Ada"}, "ext-1", T0)
    return record


def test_receiving_starts_at_version_one() -> None:
    record, event = DataRecord.receive("r1", "partner123", {"name": "Ada"}, None, T0)
    assert event == DataReceived("r1", "partner123", {"name": "Ada"}, None, T0)
    assert (record.version, record.received_at, record.updated_at) == (1, T0, T0)


def test_amending_bumps_the_version_and_keeps_the_first_receipt_time() -> None:
    later = T0 + timedelta(minutes=5)
    amended, event = _received().amend({"name": "Grace"}, later)
    assert event == DataAmended("r1", {"name": "Grace"}, later)
    assert (amended.version, amended.payload, amended.received_at, amended.updated_at) == (
        2,
        {"name": "Grace"},
        T0,
        later,
    )


def test_an_unchanged_payload_is_no_new_version() -> None:
    record = _received()
    assert record.amend({"name": "Ada"}, T0 + timedelta(seconds=1)) == (record, None)


def test_a_stale_expected_version_is_a_conflict() -> None:
    with pytest.raises(VersionConflict) as info:
        _received().amend({"name": "Grace"}, T0, expected_version=3)
    assert (info.value.expected, info.value.actual) == (3, 1)


def test_history_replays_to_the_same_state() -> None:
    t1, t2 = T0 + timedelta(seconds=1), T0 + timedelta(seconds=2)
    history: list[DomainEvent] = [
        DataReceived("r1", "p", {"v": 1}, None, T0),
        DataAmended("r1", {"v": 2}, t1),
        DataAmended("r1", {"v": 3}, t2),
    ]
    record = DataRecord.from_events(history)
    assert (record.version, record.payload, record.updated_at) == (3, {"v": 3}, t2)


def test_history_must_start_with_data_received() -> None:
    with pytest.raises(ValueError, match="must start with DataReceived"):
        DataRecord.from_events([DataAmended("r1", {}, T0)])
    with pytest.raises(ValueError, match="must start with DataReceived"):
        DataRecord.from_events(iter(()))
