"""A worker process's lifetime (`worker`), and its consumer loops side by side until a stop event or a
termination signal (`run_consumers`)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

import pulsar

from eventkit.pulsar.client import client_for
from eventkit.pulsar.consumer import EventConsumer
from eventkit.settings import RuntimeSettings

_log = logging.getLogger(__name__)
_JOIN_POLL_S = 0.5


def install_sigterm(stop: threading.Event) -> None:
    """Sets the event on SIGTERM or SIGINT so loops finish their message in hand and close cleanly."""

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        _log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    # Python delivers signals to the main thread only, so this must be called from it.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


@contextmanager
def worker(runtime: RuntimeSettings) -> Iterator[tuple[threading.Event, pulsar.Client]]:
    """What every consumer and relay process starts with: a stop event that SIGTERM or SIGINT sets, and a
    Pulsar client for the broker `runtime` names. On the way out the event is set (so threads the block
    started wind down) and the client closed; whatever the block opened on the client it closes first."""
    stop = threading.Event()
    install_sigterm(stop)
    client = client_for(runtime)
    try:
        yield stop, client
    finally:
        stop.set()
        client.close()


def instance_name(role: str) -> str:
    """A name for this process that no other process shares: `<role>-<host>-<pid>`."""
    return f"{role}-{socket.gethostname()}-{os.getpid()}"


def run_consumers(consumers: Sequence[EventConsumer], stop: threading.Event) -> None:
    """Runs each consumer in its own thread until the event is set; a crashed loop stops all and re-raises.

    Each consumer's handler runs on its own thread, so handlers shared between consumers must be
    thread-safe.
    """
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_run_one, args=(consumer, stop, errors), name=f"consume-{consumer.topic}")
        for consumer in consumers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Joining in short steps keeps the main thread responsive to signal handlers.
        while thread.is_alive():
            thread.join(_JOIN_POLL_S)
    if errors:
        raise errors[0]


def _run_one(consumer: EventConsumer, stop: threading.Event, errors: list[BaseException]) -> None:
    """Runs one loop and, if it crashes, records the error and stops the others."""
    try:
        consumer.run(stop)
    except BaseException as error:
        _log.exception("consumer of %s crashed", consumer.topic)
        errors.append(error)
        stop.set()
