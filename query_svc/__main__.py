"""Command line: `python -m query_svc serve`."""

from __future__ import annotations

from eventkit.cli import service_main
from query_svc.bootstrap import create_app
from query_svc.settings import Settings

if __name__ == "__main__":
    service_main("query_svc", Settings.from_env, create_app)
