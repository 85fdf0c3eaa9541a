"""The command line every service shares: `python -m <name>_svc serve|<extra command>`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

from flask import Flask

from eventkit.auth.cli import keys_main
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
    commands: Mapping[str, tuple[str, Callable[[S], None]]] | None = None,
    argv: list[str] | None = None,
) -> None:
    """Parses the command, loads settings (failing fast, naming the variable) and runs it.

    `commands` maps extra command names to (help text, function of the settings).
    """
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["keys"]:
        # Key management needs only the key file, not the service's stores or settings.
        sys.exit(keys_main(f"python -m {name}", argv[1:]))
    extra = dict(commands or {})
    parser = argparse.ArgumentParser(prog=f"python -m {name}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve the HTTP API under gunicorn")
    sub.add_parser("keys", help="manage API keys: keys add --partner ID | --admin, keys revoke ID, keys list")
    for command, (help_text, _) in extra.items():
        sub.add_parser(command, help=help_text)
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        sys.exit(f"{name}: configuration error: {exc}")
    configure_logging(name, settings.runtime.log_level)
    try:
        if args.command == "serve":
            serve(lambda: create_app(settings), settings.runtime)
        else:
            extra[args.command][1](settings)
    except SettingsError as exc:  # a setting only this command needs, checked as it starts
        sys.exit(f"{name}: configuration error: {exc}")
