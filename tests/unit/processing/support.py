"""Builders shared by processing's unit tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from contracts import DataIngested, IntegrationEvent, content_hash, new_event
from processing_svc.domain.steps.base import Claim, Work

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

    def first_with_many(self, claims: Sequence[Claim]) -> list[str]:
        return [data_id for _, _, data_id in claims]


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


def mixed_deliveries() -> list[IntegrationEvent]:
    """A batch as a broker may hand it over: amendments, an older version after a newer one, a copy of a
    message, the same version under a new id, a duplicate payload, and an event of another type."""
    ada = ingested({"name": "Ada", "age": 3})
    late = str(uuid.uuid4())
    other_type = new_event(
        "DataValidated",
        data_id=ada.data_id,
        partner_id="partner123",
        record_version=1,
        data={"is_valid": True, "errors": [], "ruleset_version": "1"},
        producer="t",
        correlation_id="c",
    )
    return [
        ada,
        ingested({"name": "Ada L."}, data_id=ada.data_id, version=2),
        ingested({"name": "v2"}, data_id=late, version=2),
        ada,  # the same message delivered twice
        ingested({"name": "v1"}, data_id=late, version=1),
        ingested({"name": "Ada", "age": 3}, data_id=ada.data_id),  # version 1 again, new event id
        ingested({"age": 3, "name": " Ada "}),  # a duplicate of ada's first version
        other_type,
        ingested({"name": "Old", "age": 400}),  # fails the enrich step
    ]
