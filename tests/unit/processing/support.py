"""Builders shared by processing's unit tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from contracts import DataIngested, IntegrationEvent, content_hash, new_event
from processing_svc.domain.steps.base import Work

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=6)


class NoDuplicates:
    """A duplicate index where every record is the first of its fingerprint."""

    def first_with(self, partner_id: str, fingerprint: str, data_id: str) -> str:
        return data_id


def work(payload: dict[str, Any], partner_id: str = "partner123") -> Work:
    return Work(str(uuid.uuid4()), partner_id, 1, payload)


def ingested(
    payload: dict[str, Any],
    *,
    data_id: str | None = None,
    partner_id: str = "partner123",
    version: int = 1,
) -> IntegrationEvent:
    """A DataIngested event as ingestion would publish it."""
    return new_event(
        "DataIngested",
        data_id=data_id or str(uuid.uuid4()),
        partner_id=partner_id,
        record_version=version,
        data=DataIngested(payload, datetime.now(UTC), content_hash(payload)),
        producer="processing-tests",
        correlation_id=f"corr-{uuid.uuid4().hex[:8]}",
    )
