"""`make audit` (part of `make check`) fails on a pinned requirement with a known vulnerability.

The advisories come from a loopback stand-in for OSV's query API, given to the recipe as its vulnerability
service (pip-audit's --osv-url): no feed is reachable from the workplace (the PyPI per-version JSON API that
`make audit` reads is not served there), and a test must not hang on today's advisories anyway. The stand-in
knows one real advisory: CVE-2019-10906, a sandbox escape through str.format_map in Jinja2 before 2.10.1.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADVISORY = {
    "id": "CVE-2019-10906",
    "summary": "Jinja2 before 2.10.1: sandbox escape through str.format_map",
    "affected": [
        {
            "package": {"name": "jinja2", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.10.1"}]}],
            "versions": ["2.10"],
        }
    ],
}


class _FakeOsv(BaseHTTPRequestHandler):
    """Answers OSV's POST /v1/query: the advisory for jinja2 2.10, nothing for any other pin."""

    def do_POST(self) -> None:
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        affected = (query["package"]["name"], query["version"]) == ("jinja2", "2.10")
        body = json.dumps({"vulns": [ADVISORY]} if affected else {}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def osv_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOsv)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    server.shutdown()
    server.server_close()


def make_audit(requirements: Path, osv_url: str) -> subprocess.CompletedProcess[str]:
    """Runs the Makefile's recipe on `requirements`, with the stand-in as its vulnerability service."""
    return subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "-C",
            str(ROOT),
            "audit",
            f"AUDIT_REQUIREMENTS={requirements}",
            f"AUDIT_SERVICE=--vulnerability-service osv --osv-url {osv_url}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_pin_with_a_known_vulnerability_fails_the_audit(tmp_path: Path, osv_url: str) -> None:
    requirements = tmp_path / "constraints.txt"
    requirements.write_text("flask==3.1.3\njinja2==2.10\nmarkupsafe==3.0.4\n")
    result = make_audit(requirements, osv_url)
    assert result.returncode != 0, result.stdout + result.stderr
    [finding] = [line.split() for line in result.stdout.splitlines() if line.startswith("jinja2 ")]
    assert finding[:4] == ["jinja2", "2.10", "CVE-2019-10906", "2.10.1"]  # name, pin, advisory, fixed in


def test_the_same_pins_without_it_pass(tmp_path: Path, osv_url: str) -> None:
    requirements = tmp_path / "constraints.txt"
    requirements.write_text("flask==3.1.3\njinja2==3.1.6\nmarkupsafe==3.0.4\n")
    result = make_audit(requirements, osv_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No known vulnerabilities found" in result.stderr
