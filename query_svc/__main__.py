"""Command line: `python -m query_svc serve|consume|indexes|rebuild [--wait]|keys`."""

from __future__ import annotations

import sys

from eventkit.cli import service_main
from query_svc.bootstrap import create_app, run_consumer, run_indexes
from query_svc.rebuild_cli import rebuild_main
from query_svc.settings import Settings

if __name__ == "__main__":
    if sys.argv[1:2] == ["rebuild"]:
        sys.exit(rebuild_main(sys.argv[2:]))
    service_main(
        "query_svc",
        Settings.from_env,
        create_app,
        {
            "consume": (
                "project data-ingested/validated/processed into the view until SIGTERM",
                run_consumer,
            ),
            "indexes": ("create the view's indexes (idempotent)", run_indexes),
        },
    )
