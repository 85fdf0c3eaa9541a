"""Connects to query's MongoDB (or a wire-compatible server) and probes it."""

from __future__ import annotations

from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from eventkit.health import Check


def make_mongo(url: str) -> MongoClient[dict[str, Any]]:
    # Connecting is lazy: nothing happens until the first command.
    return MongoClient(url, serverSelectionTimeoutMS=3000, connectTimeoutMS=3000, tz_aware=True)


def mongo_check(database: Database[dict[str, Any]]) -> Check:
    def check() -> str:
        database.command("ping")
        return f"database {database.name} answers"

    return check
