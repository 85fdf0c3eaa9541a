"""Command line: `python -m ingestion_svc serve|migrate|relay|keys|rotate-keys`."""

from __future__ import annotations

import argparse
import sys

from eventkit.cli import service_main
from eventkit.logging import configure_logging
from eventkit.settings import SettingsError
from ingestion_svc.bootstrap import create_app, run_migrations, run_relay, run_rotation
from ingestion_svc.settings import Settings


def _settings() -> Settings:
    settings = Settings.from_env()
    if sys.argv[1:2] == ["serve"]:
        settings.require_kek_file()  # fail here, naming the variable, not in every worker that boots
    return settings


def rotate_keys_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion_svc rotate-keys",
        description="Adds a new key-encryption key to INGESTION_KEK_FILE as its current one and rewraps "
        "every live data key under it.",
    )
    parser.add_argument("--retire", action="store_true", help="then remove the KEKs no data key refers to")
    parser.add_argument("--batch-size", type=int, default=500, help="keys rewrapped per transaction")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        configure_logging("ingestion_svc", settings.runtime.log_level)
        run_rotation(settings, retire=args.retire, batch_size=max(1, args.batch_size))
    except (SettingsError, RuntimeError) as error:
        print(f"python -m ingestion_svc rotate-keys: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["rotate-keys"]:
        sys.exit(rotate_keys_main(sys.argv[2:]))
    service_main(
        "ingestion_svc",
        _settings,
        create_app,
        {
            "migrate": ("upgrade the database schema to the newest revision", run_migrations),
            "relay": ("publish the outbox to Pulsar until SIGTERM", run_relay),
        },
    )
