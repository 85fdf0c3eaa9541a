"""Composition root: the only module that names validation_svc's concrete adapters."""

from __future__ import annotations

from contextlib import closing

from flask import Flask

from contracts import DataIngested, DataValidated, topic_for
from eventkit.http.app import create_app as create_http_app
from eventkit.pulsar.admin import broker_check
from eventkit.pulsar.publisher import PulsarPublisher
from eventkit.pulsar.workers import instance_name, run_consumers, worker
from eventkit.sealing.keys import DataKeys, NoKeyStore, missing_key_service
from eventkit.use_cases import UseCases
from validation_svc.adapters.http.errors import ERRORS
from validation_svc.adapters.http.routes import validation_blueprint
from validation_svc.adapters.pulsar.consumers import SUBSCRIPTION
from validation_svc.adapters.redis.connection import make_redis, redis_check
from validation_svc.adapters.redis.log import RedisValidationLog
from validation_svc.adapters.redis.relay import RedisOutboxRelay
from validation_svc.application.handler import ValidateRecord
from validation_svc.application.ports import ValidationLog
from validation_svc.application.queries import ValidationQueries
from validation_svc.settings import READER, Settings

RELAY_PRODUCER_NAME = "validation-outbox"


Validation = UseCases[ValidateRecord, ValidationQueries]


def bootstrap(
    settings: Settings, *, log: ValidationLog | None = None, keys: DataKeys | None = None
) -> Validation:
    """Builds the use cases on Redis, or on the given log (tests pass the in-memory one); the handler asks
    ingestion's key store for data keys unless given `keys`. The API reads no payload and may run without
    a service key; the consumer may not (see run_consumer)."""
    checks = {"pulsar": broker_check(settings.runtime)}
    if log is None:
        client = make_redis(settings.redis_url)
        log = RedisValidationLog(client)
        checks = {"redis": redis_check(client), **checks}
    topic = topic_for(DataValidated.EVENT_TYPE, settings.runtime.pulsar_namespace)
    if keys is None:
        keys = settings.data_keys() if settings.key_service else NoKeyStore(missing_key_service(READER))
    handler = ValidateRecord(settings.rule_book, log, topic, keys)
    return Validation(handler, ValidationQueries(log), checks)


def create_app(settings: Settings, validation: Validation | None = None) -> Flask:
    validation = validation or bootstrap(settings)
    blueprint = validation_blueprint(validation.queries, settings.rule_book)
    return create_http_app(
        "validation_svc", validation.checks, [blueprint], errors=ERRORS, auth=settings.auth
    )


def run_consumer(settings: Settings) -> None:
    """Validates DataIngested from Pulsar until SIGTERM; any number of copies share the subscription."""
    validation = bootstrap(settings, keys=settings.data_keys())  # no service key: fails here, at start
    with worker(settings.runtime) as (stop, client):
        ingested = topic_for(DataIngested.EVENT_TYPE, settings.runtime.pulsar_namespace)
        consumer = SUBSCRIPTION.consumer(
            client,
            ingested,
            validation.handler,
            settings.delivery,
            consumer_name=instance_name("validation"),
        )
        run_consumers([consumer], stop)


def run_relay(settings: Settings) -> None:
    """Relays the Redis outbox to Pulsar until SIGTERM (the lease holder publishes, others stand by)."""
    redis_client = make_redis(settings.redis_url)
    with (
        worker(settings.runtime) as (stop, client),
        closing(PulsarPublisher(client, RELAY_PRODUCER_NAME, send_timeout_ms=10_000)) as publisher,
    ):
        RedisOutboxRelay(redis_client, publisher, consumer=instance_name("relay")).run(stop)
