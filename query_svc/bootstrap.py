"""Composition root: the only module that names query_svc's concrete adapters."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from pymongo.database import Database

from eventkit.auth.keys import KeyFile
from eventkit.health import Check
from eventkit.http.app import create_app as create_http_app
from eventkit.pulsar.admin import pulsar_check
from eventkit.pulsar.client import make_client
from eventkit.pulsar.workers import install_sigterm, run_consumers
from query_svc.adapters.http.admin_routes import admin_blueprint
from query_svc.adapters.http.console import ConsolePorts, mount_console
from query_svc.adapters.http.errors import ERRORS
from query_svc.adapters.http.routes import query_blueprint
from query_svc.adapters.mongo.checkpoints import CHECKPOINTS, MongoCheckpoints, read_checkpoints
from query_svc.adapters.mongo.connection import make_mongo, mongo_check
from query_svc.adapters.mongo.indexes import ensure_indexes
from query_svc.adapters.mongo.records import RECORDS, MongoRecordReader, MongoRecordViews
from query_svc.adapters.mongo.timeline import TIMELINE, MongoTimeline
from query_svc.adapters.pulsar.backlog import PulsarBacklog
from query_svc.adapters.pulsar.consumers import SUBSCRIPTION, projector_consumers, projector_topics
from query_svc.adapters.pulsar.dead_letters import PulsarDeadLetterStore
from query_svc.application.activity import PipelineActivity
from query_svc.application.dead_letters import DeadLetters
from query_svc.application.projector import Projector
from query_svc.application.queries import RecordQueries
from query_svc.settings import Settings


@dataclass
class Query:
    database: Database[dict[str, Any]]
    projector: Projector
    queries: RecordQueries
    checks: dict[str, Check]

    def checkpoints_for(self, instance: str) -> Callable[[str], MongoCheckpoints]:
        """Checkpoint writers of this process, one per topic it consumes."""
        return lambda topic: MongoCheckpoints(self.database[CHECKPOINTS], instance)


def bootstrap(settings: Settings, *, database: Database[dict[str, Any]] | None = None) -> Query:
    """Builds the projector and the queries on MongoDB (tests pass their own database)."""
    runtime = settings.runtime
    if database is None:
        database = make_mongo(settings.mongo_url)[settings.mongo_database]
    timeline = MongoTimeline(database[TIMELINE])
    reader = MongoRecordReader(database[RECORDS], settings.query_max_time_ms)
    checks = {
        "mongodb": mongo_check(database),
        "pulsar": pulsar_check(runtime.pulsar_admin_url, runtime.pulsar_namespace),
    }
    projector = Projector(
        timeline, MongoRecordViews(database[RECORDS]), cache_records=settings.projector_cache_records
    )
    return Query(database, projector, RecordQueries(reader, timeline), checks)


def create_app(settings: Settings, query: Query | None = None) -> Flask:
    query = query or bootstrap(settings)
    runtime = settings.runtime
    dead_letters = DeadLetters(
        PulsarDeadLetterStore(runtime.pulsar_service_url, runtime.pulsar_admin_url, runtime.pulsar_namespace),
        services={SUBSCRIPTION: "query_svc"},
    )
    blueprints = [query_blueprint(query.queries), admin_blueprint(dead_letters)]
    app = create_http_app("query_svc", query.checks, blueprints, errors=ERRORS, auth=settings.auth)
    if settings.console.secret_key is not None:
        mount_console(app, settings.console, settings.auth, console_ports(settings, query))
    return app


def console_ports(settings: Settings, query: Query) -> ConsolePorts:
    """What the operator console reads besides the API: activity, checkpoints, broker lag, the key file."""
    runtime = settings.runtime
    return ConsolePorts(
        queries=query.queries,
        activity=PipelineActivity(MongoRecordReader(query.database[RECORDS], settings.query_max_time_ms)),
        checkpoints=lambda: read_checkpoints(query.database[CHECKPOINTS]),
        backlog=PulsarBacklog(runtime.pulsar_admin_url, runtime.pulsar_namespace).lags,
        keys=KeyFile(settings.auth.keys_file),
    )


def run_indexes(settings: Settings) -> None:
    """Creates the view's indexes (idempotent; `consume` does it too at start)."""
    ensure_indexes(bootstrap(settings).database)


def run_consume(settings: Settings) -> None:
    """Projects the three topics into the view until SIGTERM; any number of copies can run side by side."""
    stop = threading.Event()
    install_sigterm(stop)
    query = bootstrap(settings)
    ensure_indexes(query.database)
    # Each consumer writes its own checkpoint document, so no two writers ever race on one.
    instance = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    client = make_client(settings.runtime.pulsar_service_url)
    try:
        topics = projector_topics(settings.runtime.pulsar_namespace)
        consumers = projector_consumers(
            client,
            query.projector,
            query.checkpoints_for(instance),
            topics,
            max_batch=settings.projector_batch,
            batch_wait_ms=settings.projector_batch_wait_ms,
        )
        run_consumers(consumers, stop)
    finally:
        client.close()
