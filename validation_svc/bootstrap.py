"""Composition root: the only module that names validation_svc's concrete adapters."""

from __future__ import annotations

from flask import Flask

from eventkit.http.app import create_app as create_http_app
from eventkit.pulsar.admin import pulsar_check
from validation_svc.adapters.redis.connection import make_redis, redis_check
from validation_svc.settings import Settings


def create_app(settings: Settings) -> Flask:
    runtime = settings.runtime
    checks = {
        "redis": redis_check(make_redis(settings.redis_url)),
        "pulsar": pulsar_check(runtime.pulsar_admin_url, runtime.pulsar_namespace),
    }
    return create_http_app("validation_svc", checks)
