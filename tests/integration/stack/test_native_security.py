"""The native stack is hardened (issue 22, finding 5): unprivileged programs, a run directory no other user
can read, stores on loopback whatever BIND_HOST says, and store credentials that are not the role names."""

from __future__ import annotations

import grp
import os
import pwd
import re
import subprocess
from pathlib import Path

import psycopg2
import pymongo
import pytest
import redis
from pymongo.errors import OperationFailure
from pymongo.uri_parser import parse_uri

from reliability.settings import REPO_ROOT, stack_environment
from reliability.supervisor import STORES, pids
from tests.stack_security import (
    exposures,
    off_loopback,
    parse_proc_net_tcp,
    process_tree,
    socket_inodes,
    uids,
)

pytestmark = pytest.mark.integration

ENV = stack_environment()
SERVICE_UID = pwd.getpwnam(ENV["SERVICE_USER"]).pw_uid


def _running() -> dict[str, int]:
    running = {program: pid for program, pid in pids().items() if pid}
    if not running:
        pytest.fail("no supervised program is running: run `make up` first")
    return running


def test_every_supervised_process_runs_unprivileged() -> None:
    owners = {}
    for program, pid in _running().items():
        for member in process_tree(pid):
            try:
                owners[(program, member)] = uids(Path(f"/proc/{member}/status").read_text())
            except FileNotFoundError:
                continue  # exited meanwhile
    expected = {"postgres": pwd.getpwnam("postgres").pw_uid}
    wrong = {key: ids for key, ids in owners.items() if set(ids) != {expected.get(key[0], SERVICE_UID)}}
    assert owners and not wrong, (
        f"processes not running as their unprivileged user (real, eff, saved, fs): {wrong}"
    )


def test_nothing_under_the_run_directory_is_open_to_other_users() -> None:
    run_dir = Path(ENV["RUN_DIR"])
    # RUN_DIR's group bits are its ACL mask (SERVICE_USER and postgres pass through); the supervisor socket's
    # group is SERVICE_USER's (the fatal-restarter connects). A group of the service user alone opens nothing.
    private = grp.getgrgid(pwd.getpwnam(ENV["SERVICE_USER"]).pw_gid)
    assert not private.gr_mem, f"group {private.gr_name} has other members: {private.gr_mem}"
    allowed = {run_dir: 0o010, run_dir / "supervisor.sock": 0o070}
    found = [
        f"{e.path} {e.mode:o} uid={e.owner} gid={e.group}"
        for e in exposures(run_dir, allowed)
        if e.mode & 0o007 or e.group != private.gr_gid
    ]
    assert not found, "open to other users:\n" + "\n".join(found[:20])


def test_the_stores_data_belongs_to_the_service_user() -> None:
    run_dir = Path(ENV["RUN_DIR"])
    owned = ("redis", "ferretdb", "pulsar", "pulsar-auth", "metrics", "api-keys.json", "console-secret")
    for name in (*owned, "ferretdb-query.password"):
        foreign = [
            p for p in (run_dir / name, *(run_dir / name).rglob("*")) if p.lstat().st_uid != SERVICE_UID
        ]
        assert not foreign, f"not owned by {ENV['SERVICE_USER']}: {foreign[:5]}"
    credentials = (run_dir / "credentials.env").stat()
    assert (credentials.st_uid, credentials.st_mode & 0o777) == (0, 0o600)


def test_every_listener_of_the_stores_and_broker_is_on_loopback() -> None:
    running = _running()
    inodes = {
        inode for program in STORES for pid in process_tree(running[program]) for inode in socket_inodes(pid)
    }
    listeners = [
        listener
        for table, ipv6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True))
        for listener in parse_proc_net_tcp(Path(table).read_text(), ipv6=ipv6)
        if listener.inode in inodes
    ]
    assert len(listeners) >= 6  # postgres, redis, mongodb, broker, admin HTTP, bookie
    assert not off_loopback(listeners), f"stores listening beyond loopback: {off_loopback(listeners)}"


def _stack_env(**overrides: str) -> subprocess.CompletedProcess[str]:
    script = f'source "{REPO_ROOT}/infra/lib.sh" && check_store_bind && env'
    env = {**os.environ, **overrides}
    return subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_bind_host_moves_the_apis_and_never_the_stores() -> None:
    result = _stack_env(BIND_HOST="0.0.0.0")
    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert env["QUERY_BASE_URL"].startswith("http://0.0.0.0:")
    for name in ("INGESTION_DATABASE_URL", "PROCESSING_DATABASE_URL", "REDIS_URL", "RATE_LIMIT_STORAGE_URL",
                 "MONGO_URL", "PULSAR_SERVICE_URL", "PULSAR_ADMIN_URL"):  # fmt: skip
        assert "@127.0.0.1:" in env[name] or "//127.0.0.1:" in env[name], f"{name}={env[name]}"
    conf = (REPO_ROOT / "infra/supervisord.conf").read_text()
    stores = [conf.split(f"[program:{name}]")[1].split("\n[")[0] for name in STORES]
    assert all("ENV_BIND_HOST" not in section for section in stores)
    assert not re.search(r"\$\{?BIND_HOST", (REPO_ROOT / "infra/pulsar/run.sh").read_text())


def test_a_store_bind_beyond_loopback_is_refused_unless_the_operator_secured_the_stores() -> None:
    refused = _stack_env(STORE_BIND_HOST="0.0.0.0")
    assert refused.returncode != 0
    assert "STORE_BIND_HOST=0.0.0.0 is not a loopback address" in refused.stderr
    assert _stack_env(STORE_BIND_HOST="10.1.2.3", STORES_SECURED="yes").returncode == 0


def test_redis_refuses_a_client_without_credentials() -> None:
    client = redis.Redis(host=ENV["STORE_BIND_HOST"], port=int(ENV["REDIS_PORT"]), socket_timeout=5)
    with pytest.raises(redis.AuthenticationError):
        client.ping()


def test_each_redis_user_reaches_its_own_keys_only() -> None:
    validation = redis.Redis.from_url(ENV["REDIS_URL"], socket_timeout=5)
    ratelimit = redis.Redis.from_url(ENV["RATE_LIMIT_STORAGE_URL"], socket_timeout=5)
    assert validation.ping() and ratelimit.ping()
    for forbidden in (
        lambda: validation.config_get("dir"),
        lambda: validation.get("LIMITS:probe"),
        lambda: validation.keys("*"),
        lambda: ratelimit.get("validation:log"),
        ratelimit.flushdb,
    ):
        with pytest.raises(redis.exceptions.NoPermissionError):
            forbidden()


@pytest.mark.parametrize("role", ["ingestion", "processing"])
def test_postgres_refuses_the_role_name_as_password(role: str) -> None:
    host, port = ENV["STORE_BIND_HOST"], ENV["PG_PORT"]
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(f"postgresql://{role}:{role}@{host}:{port}/{role}", connect_timeout=5)
    url = ENV[f"{role.upper()}_DATABASE_URL"]
    assert f"{role}:{role}@" not in url
    psycopg2.connect(url, connect_timeout=5).close()


def _ferretdb(url: str) -> pymongo.MongoClient[dict[str, object]]:
    return pymongo.MongoClient(url, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000)


def test_ferretdb_refuses_commands_without_authentication() -> None:
    client = _ferretdb(f"mongodb://{ENV['STORE_BIND_HOST']}:{ENV['MONGO_PORT']}/")
    try:
        assert client.admin.command("hello")["ok"] == 1  # the handshake is open, as on MongoDB
        for command in (
            client.query.list_collection_names,
            client.query.records.find_one,
            lambda: client.probe.probe.insert_one({"planted": True}),
        ):
            with pytest.raises(OperationFailure) as refused:
                command()
            assert refused.value.code == 13  # Unauthorized
    finally:
        client.close()


def test_ferretdb_refuses_a_wrong_password_and_takes_the_right_one() -> None:
    url = ENV["MONGO_URL"]
    password = parse_uri(url)["password"]
    assert password and len(password) >= 32, "FerretDB's user has no generated password"
    wrong = _ferretdb(url.replace(f":{password}@", ":query@"))
    try:
        with pytest.raises(OperationFailure) as refused:
            wrong.query.list_collection_names()
        assert refused.value.code == 18  # AuthenticationFailed
    finally:
        wrong.close()
    right = _ferretdb(url)
    try:
        right.query.list_collection_names()
    finally:
        right.close()


def test_ferretdb_password_is_in_a_private_file_and_on_no_command_line() -> None:
    password = parse_uri(ENV["MONGO_URL"])["password"]
    path = Path(ENV["RUN_DIR"]) / "ferretdb-query.password"
    info = path.stat()
    assert (info.st_uid, info.st_mode & 0o777) == (SERVICE_UID, 0o600)
    assert path.read_text() == password
    shown = [
        program
        for program, pid in _running().items()
        for member in process_tree(pid)
        if password in _cmdline(member)
    ]
    assert not shown, f"FerretDB's password on the command line of {shown}"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except FileNotFoundError:
        return ""
