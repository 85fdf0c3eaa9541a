"""What the records view is indexed on, as GET /query/indexes answers it: the built-in indexes and the
partners' declared payload indexes, each with whether the active generation has it yet."""

from __future__ import annotations

from typing import Any

from query_svc.application.ports import ViewIndexes
from query_svc.domain.payload_indexes import PayloadIndex, is_declared_index


class IndexListing:
    def __init__(self, view: ViewIndexes, declared: tuple[PayloadIndex, ...]) -> None:
        self._view = view
        self._declared = declared

    def describe(self, partner_scope: str | None) -> dict[str, Any]:
        """A partner sees the built-in indexes and its own declarations (another partner's field names are
        its own business); an admin sees every index and every declaration."""
        present = self._view.indexes()
        declared = [d for d in self._declared if partner_scope is None or d.partner_id == partner_scope]
        visible = {d.name for d in declared}
        listed = {
            name: keys
            for name, keys in present.items()
            if partner_scope is None or name in visible or not is_declared_index(name)
        }
        return {
            "indexes": [
                {"name": name, "fields": [_public(k) for k in keys]} for name, keys in sorted(listed.items())
            ],
            "declared": [
                {"partner_id": d.partner_id, "field": d.field, "index": d.name, "ready": d.name in present}
                for d in declared
            ],
        }


def _public(store_name: str) -> str:
    return "id" if store_name == "_id" else store_name
