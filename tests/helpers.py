"""Small helpers shared by the integration and end-to-end tiers."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import pulsar
import requests

from eventkit.pulsar.admin import PulsarAdmin, topics_path
from tests.stack import REPO_ROOT


def wait_until(predicate: Callable[[], bool], *, timeout_s: float = 20.0, what: str = "condition") -> None:
    """Polls until the predicate holds, failing the test once the deadline passes."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.05)


def read_all(client: pulsar.Client, topic: str) -> list[Any]:
    """Returns every message stored on a topic, read from the earliest with a reader."""
    reader = client.create_reader(topic, pulsar.MessageId.earliest)
    try:
        messages: list[Any] = []
        while reader.has_message_available():
            messages.append(reader.read_next(timeout_millis=10_000))
        return messages
    finally:
        reader.close()


def delete_topics(admin: PulsarAdmin, namespace: str, *fragments: str) -> None:
    """Deletes every topic of the namespace whose name holds one of the fragments, with the topics derived
    from it (dead letters); best effort: a leftover test topic costs a little disk, never a wrong result."""
    base = topics_path(namespace)
    with contextlib.suppress(requests.RequestException):
        for name in admin.get(base, timeout_s=10).json():
            if any(fragment in name for fragment in fragments):
                admin.request(
                    "DELETE", f"{base}/{name.rsplit('/', 1)[-1]}", params={"force": "true"}, timeout_s=30
                )


def run_service(
    service: str, *args: str, env: Mapping[str, str] | None = None, timeout_s: float = 60
) -> subprocess.CompletedProcess[str]:
    """Runs `python -m <service> <args>` from the repository root, as an operator would, with PATH and
    `env` as its whole environment (nothing of the test process leaks in), and returns its output."""
    return subprocess.run(
        [sys.executable, "-m", service, *args],
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
