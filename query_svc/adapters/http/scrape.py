"""Gauges read from elsewhere (the broker), refreshed when Prometheus scrapes /metrics, at most so often."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import request

from query_svc.domain.errors import QueryError

_log = logging.getLogger(__name__)


def refresh_on_scrape(refresh: Callable[[], None], every_s: float, what: str) -> Callable[[], None]:
    """A before-request hook: before a /metrics answer, runs `refresh` if it last ran `every_s` ago or more.

    A failing refresh is logged and the scrape still answers, with the gauge's last values.
    """
    lock = threading.Lock()
    refreshed = [float("-inf")]

    def hook() -> None:
        if request.endpoint != "ops.metrics" or not lock.acquire(blocking=False):
            return
        try:
            if time.monotonic() - refreshed[0] >= every_s:
                refresh()
                refreshed[0] = time.monotonic()
        except QueryError as error:
            _log.warning("could not refresh %s: %s", what, error)
        finally:
            lock.release()

    return hook
