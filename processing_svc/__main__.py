"""Command line: `python -m processing_svc serve`."""

from __future__ import annotations

from eventkit.cli import service_main
from processing_svc.bootstrap import create_app
from processing_svc.settings import Settings

if __name__ == "__main__":
    service_main("processing_svc", Settings.from_env, create_app)
