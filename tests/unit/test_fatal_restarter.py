"""The FATAL restarter's backoff, and that supervisord.conf leaves no program to die for good."""

from __future__ import annotations

import configparser
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    # infra/ is not a package (its folders would shadow real ones); load the script by path.
    spec = importlib.util.spec_from_file_location("fatal_restarter", ROOT / "infra/fatal_restarter.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


Backoff = _load().Backoff


def test_delays_double_up_to_the_cap() -> None:
    backoff = Backoff(first_s=1, cap_s=10, stable_s=10)
    assert [backoff.fatal("services:a") for _ in range(7)] == [1, 2, 4, 8, 10, 10, 10]


def test_programs_back_off_independently() -> None:
    backoff = Backoff()
    backoff.fatal("services:a")
    backoff.fatal("services:a")
    assert backoff.fatal("services:b") == 1


def test_a_program_that_stayed_up_starts_over() -> None:
    backoff = Backoff(first_s=1, cap_s=10, stable_s=10)
    for _ in range(4):
        backoff.fatal("services:a")
    backoff.running("services:a", now=100.0)
    backoff.left_running("services:a", now=111.0)
    assert backoff.fatal("services:a") == 1


def test_a_short_run_inside_a_crash_loop_keeps_backing_off() -> None:
    backoff = Backoff(first_s=1, cap_s=10, stable_s=10)
    backoff.fatal("services:a")
    backoff.fatal("services:a")
    backoff.running("services:a", now=100.0)
    backoff.left_running("services:a", now=102.5)  # killed again 2.5 s after reaching RUNNING
    assert backoff.fatal("services:a") == 4


def test_leaving_running_twice_counts_the_run_once() -> None:
    backoff = Backoff(first_s=1, cap_s=10, stable_s=10)
    backoff.fatal("services:a")
    backoff.running("services:a", now=0.0)
    backoff.left_running("services:a", now=5.0)
    backoff.left_running("services:a", now=50.0)  # no RUNNING in between: not a long run
    assert backoff.fatal("services:a") == 2


def test_every_program_restarts_on_any_exit_and_fatal_is_watched() -> None:
    conf = configparser.RawConfigParser(strict=False)
    conf.read(ROOT / "infra/supervisord.conf")
    programs = [s for s in conf.sections() if s.startswith("program:")]
    assert len(programs) == 14
    # autorestart=unexpected would leave a program that exits 0 down; true restarts it whatever the code.
    assert {s: conf.get(s, "autorestart") for s in programs} == dict.fromkeys(programs, "true")
    listener = conf["eventlistener:fatal-restarter"]
    assert "PROCESS_STATE" in listener["events"].split(",")
    assert listener["autorestart"] == "true"
