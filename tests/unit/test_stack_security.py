"""The hardening checks of tests/stack_security.py catch what they look for (planted violations)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.stack_security import Listener, exposures, off_loopback, parse_proc_net_tcp, uids

_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 1001 1
   1: 00000000:AD39 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 1002 1
   2: 0100007F:18EB 0100007F:C350 01 00000000:00000000 00:00000000 00000000   999        0 1003 1
"""
_TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 2001 1
   1: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 2002 1
"""


def test_a_wildcard_listener_is_off_loopback_and_an_established_connection_is_no_listener() -> None:
    listeners = parse_proc_net_tcp(_TCP)
    assert listeners == [Listener("127.0.0.1", 6379, 1001), Listener("0.0.0.0", 44345, 1002)]
    assert off_loopback(listeners) == [Listener("0.0.0.0", 44345, 1002)]


def test_ipv6_loopback_passes_and_the_ipv6_wildcard_does_not() -> None:
    listeners = parse_proc_net_tcp(_TCP6, ipv6=True)
    assert [(listener.address, listener.port) for listener in listeners] == [("::1", 8080), ("::", 8081)]
    assert off_loopback(listeners) == [listeners[1]]


def test_the_effective_uid_is_read_from_proc_status() -> None:
    status = "Name:\tredis-server\nUid:\t0\t999\t999\t999\nGid:\t0\t0\t0\t0\n"
    assert uids(status) == (0, 999, 999, 999)


def test_a_world_readable_file_and_a_group_writable_directory_are_exposures(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "redis").mkdir(parents=True)
    os.chmod(run, 0o710)
    os.chmod(run / "redis", 0o770)
    (run / "redis" / "appendonly.aof").write_text("SET k v")
    os.chmod(run / "redis" / "appendonly.aof", 0o644)
    (run / "secret").write_text("x")
    os.chmod(run / "secret", 0o600)
    found = {exposure.path: exposure.mode for exposure in exposures(run, {run: 0o010})}
    assert found == {run / "redis": 0o770, run / "redis" / "appendonly.aof": 0o644}


def test_the_group_may_pass_through_where_allowed_but_not_read(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o750)
    assert [exposure.mode for exposure in exposures(tmp_path, {tmp_path: 0o010})] == [0o750]
    os.chmod(tmp_path, 0o710)
    assert list(exposures(tmp_path, {tmp_path: 0o010})) == []
