"""Composition root: the only module that names query_svc's concrete adapters."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulsar
from flask import Flask
from pymongo.database import Database

from eventkit.auth.keys import KeyFile
from eventkit.health import Check
from eventkit.http.app import create_app as create_http_app
from eventkit.pulsar.admin import PulsarAdmin, broker_check
from eventkit.pulsar.client import client_for
from eventkit.pulsar.workers import run_consumers, worker
from query_svc.adapters.http.admin_routes import admin_blueprint
from query_svc.adapters.http.console import ConsolePorts, mount_console
from query_svc.adapters.http.errors import ERRORS
from query_svc.adapters.http.projection_routes import projections_blueprint
from query_svc.adapters.http.projection_status import ProjectionStatus
from query_svc.adapters.http.routes import query_blueprint
from query_svc.adapters.http.waits import WaitSlots
from query_svc.adapters.mongo.checkpoints import CHECKPOINTS, MongoCheckpoints, read_checkpoints
from query_svc.adapters.mongo.connection import make_mongo, mongo_check
from query_svc.adapters.mongo.generations import (
    ActiveRecordReader,
    ActiveTimeline,
    MongoViewGenerations,
)
from query_svc.adapters.mongo.jobs import JOBS, MongoJobStore
from query_svc.adapters.mongo.records import MongoRecordViews
from query_svc.adapters.mongo.timeline import MongoTimeline
from query_svc.adapters.pulsar.backlog import PulsarBacklog
from query_svc.adapters.pulsar.consumers import SUBSCRIPTION, projector_consumers, projector_topics
from query_svc.adapters.pulsar.dead_letters import PulsarDeadLetterStore
from query_svc.adapters.pulsar.replay import PulsarEventLog
from query_svc.application.activity import PipelineActivity
from query_svc.application.dead_letters import DeadLetters
from query_svc.application.indexes import IndexListing
from query_svc.application.live import LiveProjection
from query_svc.application.opening import EntryOpener
from query_svc.application.projector import Projector
from query_svc.application.queries import RecordQueries
from query_svc.application.rebuild import RebuildRunner, Rebuilds
from query_svc.settings import Settings

_log = logging.getLogger(__name__)


@dataclass
class Query:
    database: Database[dict[str, Any]]
    generations: MongoViewGenerations
    queries: RecordQueries
    rebuilds: Rebuilds
    checks: dict[str, Check]
    settings: Settings
    instance: str  # names this process's live consumers in checkpoints and heartbeats
    projector: LiveProjection = field(init=False)  # follows the active generation

    def __post_init__(self) -> None:
        self.projector = LiveProjection(self.generations, self.projector_for, self.instance)

    def projector_for(self, generation: str, cache_records: int | None = None) -> Projector:
        """A projector writing one generation of the view."""
        return Projector(
            MongoTimeline(self.generations.events(generation)),
            MongoRecordViews(self.generations.records(generation)),
            cache_records=self.settings.projector_cache_records if cache_records is None else cache_records,
        )

    def checkpoints_for(self, instance: str) -> Callable[[str], MongoCheckpoints]:
        """Checkpoint writers of this process, one per topic it consumes."""
        return lambda topic: MongoCheckpoints(self.database[CHECKPOINTS], instance)


def bootstrap(settings: Settings, *, database: Database[dict[str, Any]] | None = None) -> Query:
    """Builds the projector and the queries on MongoDB (tests pass their own database)."""
    runtime = settings.runtime
    if database is None:
        database = make_mongo(settings.mongo_url)[settings.mongo_database]
    generations = MongoViewGenerations(database, declared=settings.payload_indexes)
    reader = ActiveRecordReader(generations, settings.query_max_time_ms)
    checks = {"mongodb": mongo_check(database), "pulsar": broker_check(runtime)}
    queries = RecordQueries(
        reader, ActiveTimeline(generations), settings.cursor_secret, settings.query_page_bytes
    )
    rebuilds = Rebuilds(MongoJobStore(database[JOBS]))
    instance = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    return Query(database, generations, queries, rebuilds, checks, settings, instance)


def create_app(settings: Settings, query: Query | None = None) -> Flask:
    query = query or bootstrap(settings)
    runtime = settings.runtime
    if not settings.cursor_secret_shared:
        _log.warning(
            "neither CURSOR_SECRET_KEY_FILE nor CONSOLE_SECRET_KEY_FILE is set: page cursors are signed with "
            "a key of this process alone, so other workers and copies refuse them; set CURSOR_SECRET_KEY_FILE"
        )
    dead_letters = DeadLetters(
        PulsarDeadLetterStore(
            lambda: client_for(runtime, operation_timeout_s=15),
            PulsarAdmin.for_runtime(runtime),
            runtime.pulsar_namespace,
        ),
        services={SUBSCRIPTION.name: "query_svc"},
    )
    blueprints = [
        query_blueprint(
            query.queries,
            WaitSlots.for_threads(runtime.web_threads),
            IndexListing(query.generations, settings.payload_indexes),
        ),
        projections_blueprint(query.rebuilds, projection_status(settings, query)),
        admin_blueprint(dead_letters),
    ]
    app = create_http_app("query_svc", query.checks, blueprints, errors=ERRORS, auth=settings.auth)
    if settings.console.secret_key is not None:
        mount_console(app, settings.console, settings.auth, console_ports(settings, query))
    return app


def console_ports(settings: Settings, query: Query) -> ConsolePorts:
    """What the operator console reads besides the API: activity, checkpoints, broker lag, the key file."""
    runtime = settings.runtime
    return ConsolePorts(
        queries=query.queries,
        activity=PipelineActivity(ActiveRecordReader(query.generations, settings.query_max_time_ms)),
        checkpoints=lambda: read_checkpoints(query.database[CHECKPOINTS]),
        backlog=PulsarBacklog(PulsarAdmin.for_runtime(runtime), runtime.pulsar_namespace).lags,
        keys=KeyFile(settings.auth.keys_file),
    )


def projection_status(settings: Settings, query: Query) -> ProjectionStatus:
    """The active generation with its checkpoints and the broker's backlog of the live subscription."""
    runtime = settings.runtime
    return ProjectionStatus(
        generations=query.generations,
        checkpoints=lambda: read_checkpoints(query.database[CHECKPOINTS]),
        lags=PulsarBacklog(PulsarAdmin.for_runtime(runtime), runtime.pulsar_namespace).lags,
        subscription=SUBSCRIPTION.name,
    )


def rebuild_runner(
    settings: Settings, query: Query, client: pulsar.Client, opener: EntryOpener
) -> RebuildRunner:
    runtime = settings.runtime
    return RebuildRunner(
        jobs=MongoJobStore(query.database[JOBS]),
        log=PulsarEventLog(
            client, PulsarAdmin.for_runtime(runtime), projector_topics(runtime.pulsar_namespace), opener
        ),
        generations=query.generations,
        projector_for=lambda generation: query.projector_for(generation, settings.rebuild_cache_records),
        batch=settings.rebuild_batch,
        keep_generations=settings.rebuild_keep_generations,
    )


def run_indexes(settings: Settings) -> None:
    """Creates the active view's indexes (idempotent; `consume` does it too at start)."""
    query = bootstrap(settings)
    query.generations.prepare(query.generations.read_active())


def run_consumer(settings: Settings) -> None:
    """Projects the three topics into the view until SIGTERM, opening sealed events with keys from
    ingestion's key store; any number of copies can run side by side."""
    opener = EntryOpener(settings.data_keys())  # no service key: fails here, at start
    query = bootstrap(settings)
    query.generations.prepare(query.generations.read_active())
    with worker(settings.runtime) as (stop, client):
        runner = threading.Thread(
            target=rebuild_runner(settings, query, client, opener).run_forever,
            args=(stop,),
            name="rebuild-runner",
        )
        runner.start()
        try:
            consumers = projector_consumers(
                client,
                query.projector,
                opener,
                query.checkpoints_for(query.instance),
                projector_topics(settings.runtime.pulsar_namespace),
                delivery=settings.projector_delivery,
                gather_ms=settings.projector_gather_ms,
                consumer_name=f"query-{query.instance}",
            )
            run_consumers(consumers, stop)
        finally:
            stop.set()
            runner.join()
