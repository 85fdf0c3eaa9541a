"""install_sigterm: a termination signal sets the stop event instead of killing the process; `worker`, the
lifetime every consumer and relay process shares."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from eventkit.pulsar.workers import install_sigterm, instance_name, worker
from eventkit.settings import Env, RuntimeSettings


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


def test_a_worker_stops_on_sigterm_and_on_leaving_and_names_itself_apart_from_other_processes() -> None:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    runtime = RuntimeSettings.from_env("svc", 5001, Env({"PULSAR_SERVICE_URL": "pulsar://127.0.0.1:1"}))
    try:
        with worker(runtime) as (stop, client):  # the client connects lazily: nothing listens on port 1
            assert not stop.is_set()
            os.kill(os.getpid(), signal.SIGTERM)
            assert stop.wait(5)
        with pytest.raises(RuntimeError), worker(runtime) as (stop, client):
            raise RuntimeError("the block failed")
        assert stop.is_set()  # threads the block started see the event even when it raised
        with pytest.raises(Exception, match=r"AlreadyClosed|closed"):
            client.subscribe("persistent://public/default/t", "s")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    assert instance_name("relay") == f"relay-{os.uname().nodename}-{os.getpid()}"
