"""Indexes partners declare on their payload fields, so filters and sorts on those fields seek, not scan.

A declaration names a partner and a payload field (`payload.age`, `payload.address.city`, the names the
filter language takes). Each declared field gets one index on (partner_id, field, id) in every generation
of the view: it serves a partner's filter on the field (equality, ranges, `$in`), its sort on the field
(either direction) and its keyset pages. Two partners declaring the same field share the index; an admin
query across partners is not served by it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from query_svc.domain.errors import InvalidQuery
from query_svc.domain.filters import field_name

_PARTNER = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
MAX_PER_PARTNER = 16  # each index costs every write of the view a little
NAME_PREFIX = "partner_"  # a declared index is named after its field: partner_payload.age


@dataclass(frozen=True)
class PayloadIndex:
    partner_id: str
    field: str  # as the API names it: payload.address.city
    store_path: str  # as the view stores it (segments escaped as domain.keys does)

    @property
    def name(self) -> str:
        """The store's index name: one per field, whichever partners declare it."""
        return NAME_PREFIX + self.store_path

    @property
    def keys(self) -> tuple[tuple[str, int], ...]:
        return (("partner_id", 1), (self.store_path, 1), ("_id", 1))


def parse_declarations(document: Any, source: str) -> tuple[PayloadIndex, ...]:
    """`{"partner123": ["payload.age", ...], ...}` as indexes; ValueError naming the source and the entry."""
    if not isinstance(document, Mapping):
        raise ValueError(f"{source}: must be a JSON object of partner id → list of payload fields")
    declared: list[PayloadIndex] = []
    for partner, fields in document.items():
        if not isinstance(partner, str) or not _PARTNER.match(partner):
            raise ValueError(f"{source}: {partner!r} is not a partner id (letters, digits, '_', '-')")
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise ValueError(f"{source}: {partner}: must be a list of field names")
        if len(fields) > MAX_PER_PARTNER:
            raise ValueError(f"{source}: {partner}: at most {MAX_PER_PARTNER} indexed fields per partner")
        for name in dict.fromkeys(fields):
            declared.append(PayloadIndex(partner, name, _payload_path(name, f"{source}: {partner}")))
    return tuple(declared)


def _payload_path(name: str, where: str) -> str:
    if not name.startswith("payload."):
        raise ValueError(f"{where}: {name!r} is not a payload field (payload.<name>[.<name>…])")
    try:
        return field_name(name)
    except InvalidQuery as refused:
        raise ValueError(f"{where}: {refused}") from None


def is_declared_index(name: str) -> bool:
    """Whether an index name is a declared payload index's (built-in ones never start so)."""
    return name.startswith(f"{NAME_PREFIX}payload.")


def fields_by_index(declared: tuple[PayloadIndex, ...]) -> dict[str, tuple[tuple[str, int], ...]]:
    """Each distinct index to create: its name and keys."""
    return {index.name: index.keys for index in declared}
