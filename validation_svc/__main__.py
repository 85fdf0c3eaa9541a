"""Command line: `python -m validation_svc serve`."""

from __future__ import annotations

from eventkit.cli import service_main
from validation_svc.bootstrap import create_app
from validation_svc.settings import Settings

if __name__ == "__main__":
    service_main("validation_svc", Settings.from_env, create_app)
