"""Composition root: the only module that names processing_svc's concrete adapters."""

from __future__ import annotations

import logging

from flask import Flask

from contracts import DataIngested, DataProcessed, topic_for
from eventkit.http.app import create_app as create_http_app
from eventkit.postgres.engine import postgres_units_of_work
from eventkit.postgres.relay_process import run_outbox_relay
from eventkit.pulsar.admin import broker_check
from eventkit.pulsar.workers import instance_name, run_consumers, worker
from eventkit.sealing.keys import DataKeys
from eventkit.use_cases import UseCases
from processing_svc.adapters.http.errors import ERRORS
from processing_svc.adapters.http.routes import processing_blueprint
from processing_svc.adapters.postgres.migrate import migrate_processing
from processing_svc.adapters.postgres.unit_of_work import PostgresProcessingUnitOfWork
from processing_svc.adapters.pulsar.consumers import SUBSCRIPTION
from processing_svc.application.handler import ProcessRecord
from processing_svc.application.ports import UnitOfWorkFactory
from processing_svc.application.queries import ProcessingQueries
from processing_svc.domain.pipeline import Pipeline, default_steps
from processing_svc.settings import Settings

log = logging.getLogger(__name__)

# The relay's advisory lock key in processing's database: one active relay, any number on standby.
RELAY_LOCK_KEY = 0x7072_6F63_6573_0001
RELAY_PRODUCER_NAME = "processing-outbox"


Processing = UseCases[ProcessRecord, ProcessingQueries]


def bootstrap(
    settings: Settings, *, uow_factory: UnitOfWorkFactory | None = None, keys: DataKeys | None = None
) -> Processing:
    """Builds the use cases on PostgreSQL and ingestion's key store, or on the given unit of work factory
    and keys (tests pass fakes); without a service key it fails here, at start."""
    keys = keys or settings.data_keys()
    uow_factory, checks = postgres_units_of_work(
        settings.database_url, PostgresProcessingUnitOfWork, given=uow_factory
    )
    checks["pulsar"] = broker_check(settings.runtime)
    pipeline = Pipeline(default_steps(settings.expected_fields))
    topic = topic_for(DataProcessed.EVENT_TYPE, settings.runtime.pulsar_namespace)
    return Processing(
        ProcessRecord(uow_factory, pipeline, topic, keys), ProcessingQueries(uow_factory, keys), checks
    )


def create_app(settings: Settings, processing: Processing | None = None) -> Flask:
    processing = processing or bootstrap(settings)
    return create_http_app(
        "processing_svc",
        processing.checks,
        [processing_blueprint(processing.queries)],
        errors=ERRORS,
        auth=settings.auth,
    )


def run_migrations(settings: Settings) -> None:
    migrate_processing(settings.database_url)
    log.info("processing database at the newest schema")


def run_consumer(settings: Settings) -> None:
    """Processes data-ingested until SIGTERM; run as many copies as wanted (Key_Shared)."""
    processing = bootstrap(settings)
    with worker(settings.runtime) as (stop, client):
        consumer = SUBSCRIPTION.consumer(
            client,
            topic_for(DataIngested.EVENT_TYPE, settings.runtime.pulsar_namespace),
            processing.handler,
            settings.delivery,
            consumer_name=instance_name("processing"),
        )
        run_consumers([consumer], stop)


def run_relay(settings: Settings) -> None:
    """Relays the outbox to Pulsar until SIGTERM (one active relay per database, others stand by)."""
    run_outbox_relay(settings, producer_name=RELAY_PRODUCER_NAME, lock_key=RELAY_LOCK_KEY)
