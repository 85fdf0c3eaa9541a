"""Runs a Flask app under gunicorn, configured from the service's settings.

Each gunicorn worker is an asyncio server (uvicorn) that reads a request's line and headers in its event
loop and only then hands the request to a thread running the Flask app (a2wsgi). A client trickling its
headers a byte a second therefore costs a coroutine, not a thread: with threaded workers (gthread), a few
such clients took every thread and the service stopped answering anyone (found by `make reliability`).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from contextlib import suppress
from types import FrameType
from typing import Any

from a2wsgi import WSGIMiddleware
from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]

from eventkit.metrics import mark_worker_dead, prepare_multiprocess_dir
from eventkit.settings import RuntimeSettings

# Uvicorn's HTTP parser refuses a request head over 16 KiB with a bare text/plain 400; reading up to 256 KiB
# lets the app refuse an over-long query string itself, as 414 problem+json (see requests.MAX_QUERY_BYTES).
MAX_REQUEST_HEAD_BYTES = 256 * 1024


class _QuietServer(Server):
    """uvicorn's server, waking once a second instead of ten times.

    uvicorn's main loop ticks every 100 ms to refresh the Date header (each second), tell gunicorn it is
    alive and see whether to exit: in an idle stack of eight workers that was 1.6% of a core. This one ticks
    each second, passing on_tick the counter values at which it does its once-a-second work, and wakes at
    once when a signal asks it to exit.
    """

    _TICKS_PER_SECOND = 10  # on_tick's unit

    async def main_loop(self) -> None:
        self._exit_requested = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + self._TICKS_PER_SECOND) % 864000
            with suppress(TimeoutError):
                await asyncio.wait_for(self._exit_requested.wait(), timeout=1.0)
            should_exit = await self.on_tick(counter)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        loop = getattr(self, "_loop", None)
        if loop is not None:
            loop.call_soon_threadsafe(self._exit_requested.set)


class _Worker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "h11_max_incomplete_event_size": MAX_REQUEST_HEAD_BYTES}

    async def _serve(self) -> None:  # UvicornWorker's, with the quiet server
        self.config.app = self.wsgi
        server = _QuietServer(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)


class _GunicornApp(BaseApplication):  # type: ignore[misc]
    def __init__(self, app_factory: Callable[[], Flask], options: dict[str, Any]) -> None:
        self._factory = app_factory
        self._options_threads = int(options.pop("threads"))
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIMiddleware:
        return WSGIMiddleware(self._factory(), workers=self._options_threads)  # type: ignore[arg-type]


def _child_exit(_server: Any, worker: Any) -> None:
    mark_worker_dead(worker.pid)


def serve(app_factory: Callable[[], Flask], settings: RuntimeSettings) -> None:
    """Serves until SIGTERM; each worker builds its own app (and connections) after the fork."""
    prepare_multiprocess_dir()
    options = {
        "bind": f"{settings.bind_host}:{settings.port}",
        "workers": settings.web_workers,
        "threads": settings.web_threads,
        "worker_class": _Worker,
        "keepalive": 30,
        "graceful_timeout": 20,
        "timeout": 60,
        "proc_name": settings.service_name,
        "accesslog": None,
        # Explicit, or gunicorn would trust FORWARDED_ALLOW_IPS from the environment, else loopback: every
        # local client could then claim any address in X-Forwarded-For.
        "forwarded_allow_ips": ",".join(settings.forwarded_allow_ips),
        "child_exit": _child_exit,
        # supervisord manages the processes. gunicorn's control socket defaults to one path per user
        # (~/.gunicorn/gunicorn.ctl), which the four services would fight over, in a home the service
        # user may not write.
        "control_socket_disable": True,
        # Our JSON logging is configured in the app factory; gunicorn's own lines go to stderr.
        "loglevel": settings.log_level.lower(),
    }
    _GunicornApp(app_factory, options).run()
