"""install_sigterm: a termination signal sets the stop event instead of killing the process."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from eventkit.pulsar.workers import install_sigterm


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_termination_signal_sets_the_stop_event(signum: signal.Signals) -> None:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    stop = threading.Event()
    try:
        install_sigterm(stop)
        os.kill(os.getpid(), signum)
        assert stop.wait(5)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
