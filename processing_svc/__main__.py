"""Command line: `python -m processing_svc serve|migrate|consume|relay`."""

from __future__ import annotations

from eventkit.cli import service_main
from processing_svc.bootstrap import create_app, run_consumer, run_migrations, run_relay
from processing_svc.settings import Settings

if __name__ == "__main__":
    service_main(
        "processing_svc",
        Settings.from_env,
        create_app,
        {
            "migrate": ("upgrade the database schema to the newest revision", run_migrations),
            "consume": ("process data-ingested until SIGTERM", run_consumer),
            "relay": ("publish the outbox (DataProcessed) to Pulsar until SIGTERM", run_relay),
        },
    )
