"""Composition root: the only module that names ingestion_svc's concrete adapters."""

from __future__ import annotations

from flask import Flask

from eventkit.http.app import create_app as create_http_app
from eventkit.postgres.engine import make_engine, postgres_check
from eventkit.pulsar.admin import pulsar_check
from ingestion_svc.settings import Settings


def create_app(settings: Settings) -> Flask:
    engine = make_engine(settings.database_url)
    runtime = settings.runtime
    checks = {
        "postgres": postgres_check(engine),
        "pulsar": pulsar_check(runtime.pulsar_admin_url, runtime.pulsar_namespace),
    }
    return create_http_app("ingestion_svc", checks)
