"""Live consumers' heartbeats: each consumer's latest is reported; those of ended processes are forgotten."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from query_svc.adapters.mongo.generations import CONSUMERS, FORGET_AFTER, MongoViewGenerations


def test_reports_keep_each_consumers_latest_heartbeat_and_forget_ended_ones(
    database: Database[dict[str, Any]],
) -> None:
    generations = MongoViewGenerations(database)
    generations.report("vm-1", "initial")
    generations.report("vm-1", "20261128")
    generations.report("vm-2", "initial")
    ended = datetime.now(UTC) - FORGET_AFTER * 2
    database[CONSUMERS].insert_one({"_id": "vm-gone", "generation": "initial", "seen_at": ended})

    reports = {report.instance: report.generation for report in generations.reports()}

    assert reports == {"vm-1": "20261128", "vm-2": "initial"}
    assert database[CONSUMERS].count_documents({"_id": "vm-gone"}) == 0
