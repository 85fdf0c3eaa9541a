"""The hardening checks of tests/stack_security.py catch what they look for (planted violations)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.stack_security import (
    NAMESPACE,
    Listener,
    authorization_mismatches,
    credential_problems,
    exposures,
    granted,
    off_loopback,
    parse_proc_net_tcp,
    token_subject,
    uids,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

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


def test_the_grants_are_read_from_the_shared_table() -> None:
    grants = granted((REPO_ROOT / "infra/pulsar/grants.sh").read_text())
    assert ("ingestion", "produce", "data-ingested") in grants
    assert ("query", "consume", NAMESPACE) in grants
    assert not any(role == "ingestion" and action == "consume" for role, action, _ in grants)


def test_a_role_allowed_more_or_less_than_granted_is_a_mismatch() -> None:
    grants = {("ingestion", "produce", "data-ingested"), ("query", "consume", NAMESPACE)}
    as_granted = {
        ("ingestion", "produce", "data-ingested"): True,
        ("ingestion", "consume", "data-ingested"): False,
        ("query", "consume", "data-validated"): True,
    }
    assert authorization_mismatches(as_granted, grants) == []
    planted = {
        **as_granted,
        ("ingestion", "consume", "data-ingested"): True,  # more than granted
        ("query", "consume", "data-validated"): False,  # less
    }
    assert authorization_mismatches(planted, grants) == [
        "ingestion could consume data-ingested",
        "query could not consume data-validated",
    ]


def test_the_subject_of_a_token_is_its_role() -> None:
    # `pulsar tokens create --subject admin` with some key: header.claims.signature
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.X3b6QadiO9tW_3Q2RpE-L81jWqaxMtvKCPApnWvHIXw\n"
    assert token_subject(token) == "admin"


def test_a_process_holding_another_credential_than_its_roles_is_caught() -> None:
    admin, own = "/run/pulsar-auth/admin.token", "/run/pulsar-auth/ingestion.token"
    assert credential_problems({"PULSAR_AUTH_TOKEN": "", "PULSAR_AUTH_TOKEN_FILE": own}, own, admin) == []
    assert credential_problems({"PATH": "/usr/bin"}, None, admin) == []
    assert credential_problems({"PULSAR_AUTH_TOKEN_FILE": admin}, own, admin) == [
        f"PULSAR_AUTH_TOKEN_FILE={admin}, not {own}",
        "PULSAR_AUTH_TOKEN_FILE names the superuser's token",
    ]
    assert credential_problems({"PULSAR_AUTH_TOKEN": "a.b.c", "PULSAR_AUTH_TOKEN_FILE": own}, own, admin) == [
        "holds a token in PULSAR_AUTH_TOKEN"
    ]
    assert credential_problems({"PULSAR_AUTH_TOKEN_FILE": own}, None, admin) == [
        f"PULSAR_AUTH_TOKEN_FILE={own}, not None"
    ]
