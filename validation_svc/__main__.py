"""Command line: `python -m validation_svc serve|consume|relay`."""

from __future__ import annotations

from eventkit.cli import service_main
from validation_svc.bootstrap import create_app, run_consumer, run_relay
from validation_svc.settings import Settings

if __name__ == "__main__":
    service_main(
        "validation_svc",
        Settings.from_env,
        create_app,
        {
            "consume": ("validate DataIngested from Pulsar until SIGTERM", run_consumer),
            "relay": ("publish DataValidated from the Redis outbox to Pulsar until SIGTERM", run_relay),
        },
    )
