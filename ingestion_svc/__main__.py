"""Command line: `python -m ingestion_svc serve`."""

from __future__ import annotations

from eventkit.cli import service_main
from ingestion_svc.bootstrap import create_app
from ingestion_svc.settings import Settings

if __name__ == "__main__":
    service_main("ingestion_svc", Settings.from_env, create_app)
