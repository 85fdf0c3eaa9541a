"""Composition root: the only module that names ingestion_svc's concrete adapters."""

from __future__ import annotations

import logging
from functools import partial

from flask import Flask

from contracts import DataIngested, topic_for
from eventkit.health import Check
from eventkit.http.app import create_app as create_http_app
from eventkit.postgres.engine import make_engine, postgres_units_of_work
from eventkit.postgres.relay_process import run_outbox_relay
from eventkit.pulsar.admin import broker_check
from eventkit.use_cases import UseCases
from ingestion_svc.adapters.http.errors import ERRORS
from ingestion_svc.adapters.http.internal import keys_blueprint
from ingestion_svc.adapters.http.routes import ingestion_blueprint
from ingestion_svc.adapters.kek import KekFile
from ingestion_svc.adapters.postgres.migrate import migrate_ingestion
from ingestion_svc.adapters.postgres.rotation import RotationResult, rotate_keys
from ingestion_svc.adapters.postgres.unit_of_work import PostgresIngestionUnitOfWork
from ingestion_svc.application.handler import IngestRecords
from ingestion_svc.application.ports import UnitOfWorkFactory
from ingestion_svc.application.queries import IngestionQueries
from ingestion_svc.settings import Settings

log = logging.getLogger(__name__)

# The relay's advisory lock key in ingestion's database: one active relay, any number on standby.
RELAY_LOCK_KEY = 0x696E_6765_7374_0001
RELAY_PRODUCER_NAME = "ingestion-outbox"


Ingestion = UseCases[IngestRecords, IngestionQueries]


def bootstrap(settings: Settings, *, uow_factory: UnitOfWorkFactory | None = None) -> Ingestion:
    """Builds the use cases on PostgreSQL, or on the given unit of work factory (tests pass fakes)."""
    checks: dict[str, Check] = {}
    if uow_factory is None:
        keks = KekFile(settings.require_kek_file())  # a missing or malformed file stops the API, saying why
        unit_of_work = partial(PostgresIngestionUnitOfWork, keks=keks)
        uow_factory, checks = postgres_units_of_work(settings.database_url, unit_of_work)
    checks["pulsar"] = broker_check(settings.runtime)
    ingested = topic_for(DataIngested.EVENT_TYPE, settings.runtime.pulsar_namespace)
    return Ingestion(IngestRecords(uow_factory, ingested), IngestionQueries(uow_factory), checks)


def create_app(settings: Settings, ingestion: Ingestion | None = None) -> Flask:
    ingestion = ingestion or bootstrap(settings)
    blueprints = [
        ingestion_blueprint(
            ingestion.handler, ingestion.queries, settings.query_base_url, settings.batch_max_items
        ),
        keys_blueprint(ingestion.queries),
    ]
    return create_http_app(
        "ingestion_svc",
        ingestion.checks,
        blueprints,
        errors=ERRORS,
        max_body_bytes=settings.max_body_bytes,
        max_json_depth=settings.max_json_depth,
        auth=settings.auth,
    )


def run_migrations(settings: Settings) -> None:
    migrate_ingestion(settings.database_url)
    log.info("ingestion database at the newest schema")


def run_relay(settings: Settings) -> None:
    """Relays the outbox to Pulsar until SIGTERM (one active relay per database, others stand by)."""
    run_outbox_relay(settings, producer_name=RELAY_PRODUCER_NAME, lock_key=RELAY_LOCK_KEY)


def run_rotation(settings: Settings, *, retire: bool, batch_size: int) -> RotationResult:
    """Rotates the KEK of INGESTION_KEK_FILE over ingestion's database, printing its progress."""
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        return rotate_keys(engine, settings.require_kek_file(), retire=retire, batch_size=batch_size)
    finally:
        engine.dispose()
