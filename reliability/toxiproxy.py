"""Shopify's toxiproxy: built from the Go module proxy on first use, run for the suite, driven over HTTP."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from reliability.settings import REPO_ROOT

VERSION = "v2.5.0"  # the newest the module proxy serves under the /v2 path
_MODULE = f"github.com/Shopify/toxiproxy/v2/cmd/server@{VERSION}"


def binary() -> Path:
    """Returns the toxiproxy server binary, building it with `go install` into the cache the first time."""
    cache = Path(os.environ.get("CACHE_DIR", Path.home() / ".cache/dataingest")) / f"toxiproxy-{VERSION}"
    target = cache / "toxiproxy-server"
    if target.exists():
        return target
    go = shutil.which("go") or "/usr/local/go/bin/go"
    with tempfile.TemporaryDirectory() as gobin:
        subprocess.run(
            [go, "install", _MODULE],
            env={**os.environ, "GOBIN": gobin},
            check=True,
            capture_output=True,
            timeout=600,
        )
        cache.mkdir(parents=True, exist_ok=True)
        shutil.move(str(Path(gobin) / "server"), target)
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Toxiproxy:
    """A toxiproxy server this process started, and its REST API."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            self._process = subprocess.Popen(
                [str(binary()), "-host", "127.0.0.1", "-port", str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 20
        while not self._up():
            if time.monotonic() > deadline or self._process.poll() is not None:
                self.stop()
                raise RuntimeError(f"toxiproxy did not start; see {log}")
            time.sleep(0.1)

    def _up(self) -> bool:
        try:
            return requests.get(f"{self.api}/version", timeout=1).ok
        except requests.RequestException:
            return False

    def proxy(self, name: str, upstream: str, listen: int = 0) -> int:
        """Creates a proxy in front of `upstream` (host:port) and returns the port it listens on (`listen`,
        or a free one)."""
        listen = listen or free_port()
        body: dict[str, Any] = {"name": name, "listen": f"127.0.0.1:{listen}", "upstream": upstream}
        requests.post(f"{self.api}/proxies", json=body, timeout=5).raise_for_status()
        return listen

    def add_toxic(self, proxy: str, name: str, kind: str, attributes: dict[str, Any]) -> None:
        """Adds a toxic to both directions of a proxy (toxiproxy applies one toxic to one direction)."""
        for stream in ("downstream", "upstream"):
            body = {"name": f"{name}-{stream}", "type": kind, "stream": stream, "attributes": attributes}
            requests.post(f"{self.api}/proxies/{proxy}/toxics", json=body, timeout=5).raise_for_status()

    def remove_toxic(self, proxy: str, name: str) -> None:
        for stream in ("downstream", "upstream"):
            requests.delete(f"{self.api}/proxies/{proxy}/toxics/{name}-{stream}", timeout=5)

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
