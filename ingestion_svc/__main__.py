"""Command line: `python -m ingestion_svc serve|migrate|relay`."""

from __future__ import annotations

from eventkit.cli import service_main
from ingestion_svc.bootstrap import create_app, run_migrations, run_relay
from ingestion_svc.settings import Settings

if __name__ == "__main__":
    service_main(
        "ingestion_svc",
        Settings.from_env,
        create_app,
        {
            "migrate": ("upgrade the database schema to the newest revision", run_migrations),
            "relay": ("publish the outbox to Pulsar until SIGTERM", run_relay),
        },
    )
