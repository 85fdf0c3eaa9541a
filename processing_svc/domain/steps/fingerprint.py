"""fingerprint: SHA-256 of the canonical JSON, and the partner's earliest record with the same one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from processing_svc.domain.steps.base import DuplicateIndex, StepOutput, Work


def fingerprint_of(payload: Any) -> str:
    """Returns `sha256:<hex>` of the payload's canonical JSON (the same form as contracts' content hash)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


class Fingerprint:
    """Identifies the normalized content and finds the partner's first record with the same."""

    name = "fingerprint"
    version = "1"

    def run(self, work: Work, duplicates: DuplicateIndex) -> StepOutput:
        return self.run_many([work], duplicates)[0]

    def run_many(self, works: Sequence[Work], duplicates: DuplicateIndex) -> list[StepOutput]:
        fingerprints = [fingerprint_of(work.payload) for work in works]
        holders = duplicates.first_with_many(
            [(work.partner_id, fp, work.data_id) for work, fp in zip(works, fingerprints, strict=True)]
        )
        # A record amended back to an earlier payload of its own is no duplicate of anything.
        return [
            StepOutput({"fingerprint": fp, "duplicate_of": None if first == work.data_id else first})
            for work, fp, first in zip(works, fingerprints, holders, strict=True)
        ]
