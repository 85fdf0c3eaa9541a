"""Composition root: the only module that names query_svc's concrete adapters."""

from __future__ import annotations

from flask import Flask

from eventkit.http.app import create_app as create_http_app
from eventkit.pulsar.admin import pulsar_check
from query_svc.adapters.mongo.connection import make_mongo, mongo_check
from query_svc.settings import Settings


def create_app(settings: Settings) -> Flask:
    runtime = settings.runtime
    database = make_mongo(settings.mongo_url)[settings.mongo_database]
    checks = {
        "mongodb": mongo_check(database),
        "pulsar": pulsar_check(runtime.pulsar_admin_url, runtime.pulsar_namespace),
    }
    return create_http_app("query_svc", checks, auth=settings.auth)
