"""The records view in MongoDB: one document per record (`_id` is the record id), replaced whole."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import bson
from bson.raw_bson import RawBSONDocument
from pymongo import ReplaceOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError

from query_svc.adapters.mongo.errors import refused, translated
from query_svc.application.ports import FoundRecords, ListRequest
from query_svc.domain.keys import decode_keys, encode_keys
from query_svc.domain.sort_order import comes_after, keys_of, rank

RECORDS = "records"
Document = dict[str, Any]
PRIVATE: Document = {"_applied": 0}
# One command writes a batch's views in one transaction on the dev stack's FerretDB (infra/ferretdb/patches/
# 0006). Upstream FerretDB 1.24 held each update's read cursor and SQLite connection until the command ended
# and has 100 connections per database, so a command of ~100 updates deadlocked it: commands stay bounded.
UPDATES_PER_COMMAND = 50


def replace_in_commands(
    collection: Collection[Document], writes: Sequence[ReplaceOne[Document]], what: str
) -> None:
    """Runs the replaces unordered, UPDATES_PER_COMMAND per command; a refused one is reported by position and
    code (`refused`), never with the documents."""
    try:
        with translated():
            for start in range(0, len(writes), UPDATES_PER_COMMAND):
                collection.bulk_write(list(writes[start : start + UPDATES_PER_COMMAND]), ordered=False)
    except BulkWriteError as error:
        raise refused(what, error.details.get("writeErrors", [])) from None


class MongoRecordViews:
    def __init__(self, collection: Collection[Document]) -> None:
        self._collection = collection

    def save(self, data_id: str, view: Document, applied: int) -> None:
        # A plain replace by `_id`: FerretDB (SQLite) uses its index only for a filter on `_id` alone, and
        # would not make a guard such as `_applied <= n` atomic anyway. The projector's check after each
        # write settles the view on the whole timeline.
        with translated():
            self._collection.replace_one({"_id": data_id}, _stored(data_id, view, applied), upsert=True)

    def save_many(self, views: Sequence[tuple[str, Document, int]]) -> None:
        if not views:
            return
        writes = [
            ReplaceOne({"_id": data_id}, _stored(data_id, view, applied), upsert=True)
            for data_id, view, applied in views
        ]
        replace_in_commands(self._collection, writes, "views")

    def add_many(self, views: Sequence[tuple[str, Document, int]]) -> None:
        if not views:
            return
        documents = [_stored(data_id, view, applied) for data_id, view, applied in views]
        try:
            with translated():
                self._collection.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            taken = {int(e["index"]) for e in error.details.get("writeErrors", []) if e.get("code") == 11000}
            if len(taken) != len(error.details.get("writeErrors", [])):
                raise refused("views", error.details["writeErrors"]) from None
            self.save_many([views[i] for i in sorted(taken)])


class MongoRecordReader:
    """`through_arrays`: whether the server's sort reaches into arrays of objects on a dotted path (MongoDB
    does; FerretDB 1.24 sorts such a document as if the field were missing), so a page's last keys are
    the ones the server compared (see `server_sorts_through_arrays`)."""

    def __init__(
        self, collection: Collection[Document], max_time_ms: int, *, through_arrays: bool = True
    ) -> None:
        self._collection = collection
        self._max_time_ms = max_time_ms
        self._through_arrays = through_arrays
        # Lists read each document's bytes first, to end a page by size before decoding what won't fit.
        self._raw: Collection[RawBSONDocument] = collection.with_options(
            codec_options=collection.codec_options.with_options(document_class=RawBSONDocument)
        )

    def get(self, data_id: str) -> Document | None:
        with translated():
            found = self._collection.find_one({"_id": data_id}, PRIVATE, max_time_ms=self._max_time_ms)
        return None if found is None else decode_keys(found)

    def find(self, request: ListRequest) -> FoundRecords:
        documents: list[Document] = []
        last_keys: tuple[Any, ...] | None = None
        size, budget = 0, request.max_bytes
        with translated():
            candidates = self._candidates(request)
            try:
                for raw, chosen in candidates:
                    size += len(raw.raw)
                    if len(documents) == request.limit or (
                        documents and budget is not None and size > budget
                    ):
                        return FoundRecords(documents, more=True, last_keys=last_keys)
                    decoded = chosen or self._decode(raw)
                    last_keys = self._keys(decoded, request)
                    documents.append(decode_keys(decoded))
            finally:
                candidates.close()  # closes the server cursor it holds
        return FoundRecords(documents, more=False, last_keys=last_keys)

    def _candidates(self, request: ListRequest) -> Generator[tuple[RawBSONDocument, Document | None]]:
        """The page's records in sort order, with their decoded form where it was needed to choose them.

        A superset filter (request.after) may select records that sort before the cursor, or, within one
        type bracket, records whose key has another type: the server sorts them among the others, and they
        are dropped here. Reads are not limited then, only batched: the page is counted after them."""
        limit = 0 if request.after is not None else request.limit + 1
        for its_rank, condition in request.brackets or ((None, None),):
            query = request.filter if condition is None else {"$and": [request.filter, condition]}
            found = self._raw.find(
                query,
                _projection(request),
                sort=list(request.sort),
                limit=limit,
                batch_size=request.limit + 1,
                max_time_ms=self._max_time_ms,
            )
            with found:
                for raw in found:
                    if request.after is None:
                        yield raw, None
                        continue
                    decoded = self._decode(raw)
                    keys = self._keys(decoded, request)
                    if (its_rank is None or rank(keys[0]) == its_rank) and comes_after(
                        keys, request.after, request.sort
                    ):
                        yield raw, decoded

    def _decode(self, raw: RawBSONDocument) -> Document:
        return bson.decode(raw.raw, codec_options=self._collection.codec_options)

    def _keys(self, stored: Document, request: ListRequest) -> tuple[Any, ...]:
        return tuple(keys_of(stored, request.sort, through_arrays=self._through_arrays))

    def count_by(self, match: Document, field: str) -> dict[str, int]:
        """Counts the documents matching `match` per (text) value of `field`.

        Each value is found by one index seek past the previous one on the field alone, then the documents
        with that value and `match` are counted with `count`; values with none are left out. So neither
        server reads a document: a `$group` would read them all, which FerretDB does in memory (seconds at
        20,000 documents), and seeking with `match` too can make SQLite walk a whole other index."""
        counts: dict[str, int] = {}
        bound: Document = {"$gte": ""}
        with translated():
            while True:
                found = self._collection.find(
                    {field: bound},
                    {field: 1, "_id": 0},
                    sort=[(field, 1)],
                    limit=1,
                    max_time_ms=self._max_time_ms,
                )
                first = next(iter(found), None)
                if first is None:
                    return counts
                value = first[field]
                reply = self._collection.database.command(
                    "count",
                    self._collection.name,
                    query={"$and": [match, {field: value}]},
                    maxTimeMS=self._max_time_ms,
                )
                if reply["n"]:
                    counts[value] = int(reply["n"])
                bound = {"$gt": value}


def sorts_through_arrays(collection: Collection[Document]) -> bool:
    """Whether the server's sort reaches into arrays of objects on a dotted path: MongoDB's does, FerretDB's
    (which names itself in `buildInfo`) does not."""
    with translated():
        info = collection.database.client.admin.command("buildInfo")
    return "ferretdbVersion" not in info


def _stored(data_id: str, view: Document, applied: int) -> Document:
    # The partner's keys may hold dots or start with `$`, which the store refuses (see domain.keys).
    return {"_id": data_id, **encode_keys(view), "_applied": applied}


def _projection(request: ListRequest) -> Document:
    if request.fields is None:
        return PRIVATE
    names = {("_id" if f == "id" else f) for f in request.fields} | {k for k, _ in request.sort}
    # MongoDB refuses a path together with one of its sub-paths ("payload" and "payload.age").
    kept = [n for n in names if not any(n.startswith(f"{other}.") for other in names)]
    return dict.fromkeys(sorted(kept), 1)
