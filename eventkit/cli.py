"""The command line every service shares: `python -m <name>_svc serve`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Protocol, TypeVar

from flask import Flask

from eventkit.http.server import serve
from eventkit.logging import configure_logging
from eventkit.settings import RuntimeSettings, SettingsError


class ServiceSettings(Protocol):
    @property
    def runtime(self) -> RuntimeSettings: ...


S = TypeVar("S", bound=ServiceSettings)


def service_main(
    name: str,
    load_settings: Callable[[], S],
    create_app: Callable[[S], Flask],
    argv: list[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {name}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the HTTP API under gunicorn")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        sys.exit(f"{name}: configuration error: {exc}")
    configure_logging(name, settings.runtime.log_level)
    if args.command == "serve":
        serve(lambda: create_app(settings), settings.runtime)
