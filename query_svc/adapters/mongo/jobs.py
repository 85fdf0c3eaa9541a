"""Rebuild jobs in MongoDB: one document per job, plus marker documents whose unique `_id` makes the
one-job lock, a runner's claim and a cancel request atomic (FerretDB makes no update atomic, an insert is).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from query_svc.adapters.mongo.errors import translated
from query_svc.domain.rebuild_job import RebuildJob

JOBS = "rebuild_jobs"
LOCK = "lock"
Document = dict[str, Any]


class MongoJobStore:
    def __init__(self, collection: Collection[Document]) -> None:
        self._collection = collection

    def create(self, job: RebuildJob) -> bool:
        if not self._insert({"_id": LOCK, "job": job.id}):
            return False
        self.save(job)
        return True

    def save(self, job: RebuildJob) -> None:
        with translated():
            self._collection.replace_one(
                {"_id": job.id}, {"_id": job.id, "kind": "job", **_fields(job)}, upsert=True
            )

    def get(self, job_id: str) -> RebuildJob | None:
        if job_id in (LOCK, "") or ":" in job_id:
            return None
        with translated():
            doc = self._collection.find_one({"_id": job_id})
        return None if doc is None else _job(doc)

    def recent(self, limit: int) -> list[RebuildJob]:
        with translated():
            docs = list(
                self._collection.find({"kind": "job"}, sort=[("created_at", DESCENDING)], limit=limit)
            )
        return [_job(doc) for doc in docs]

    def lock_holder(self) -> str | None:
        with translated():
            doc = self._collection.find_one({"_id": LOCK})
        return None if doc is None else str(doc["job"])

    def release(self, job_id: str) -> None:
        with translated():
            self._collection.delete_one({"_id": LOCK, "job": job_id})

    def claim(self, job_id: str) -> bool:
        return self._insert({"_id": f"claim:{job_id}"})

    def take_over(self, job_id: str, seen_at: datetime) -> bool:
        # One marker per silence: whoever inserts it first runs the job until it goes silent again.
        return self._insert({"_id": f"takeover:{job_id}:{seen_at.isoformat()}"})

    def request_cancel(self, job_id: str) -> None:
        self._insert({"_id": f"cancel:{job_id}"})

    def cancel_requested(self, job_id: str) -> bool:
        with translated():
            return self._collection.find_one({"_id": f"cancel:{job_id}"}) is not None

    def _insert(self, document: Document) -> bool:
        try:
            with translated():
                self._collection.insert_one(document)
        except DuplicateKeyError:
            return False
        return True


def _fields(job: RebuildJob) -> Document:
    fields = asdict(job)
    del fields["id"]
    return fields


def _job(doc: Document) -> RebuildJob:
    fields = {k: v for k, v in doc.items() if k not in ("_id", "kind")}
    return RebuildJob(id=str(doc["_id"]), **fields)
