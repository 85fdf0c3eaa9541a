"""Readiness checks: named probes of a service's dependencies, run with their outcome reported."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

# A check returns a short description when its dependency answers and raises when it does not.
Check = Callable[[], str]


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    millis: float


def run_checks(checks: Mapping[str, Check]) -> list[CheckResult]:
    results = []
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            ok, detail = True, check()
        except Exception as exc:  # a failing dependency is the answer of a readiness probe
            # /readyz is open to anyone: the driver's text (hosts, users, internals) goes to the log only
            log.warning("readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
            ok, detail = False, "did not answer; the service log has its error"
        results.append(CheckResult(name, ok, detail, round((time.perf_counter() - started) * 1000, 1)))
    return results
