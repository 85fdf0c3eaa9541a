"""Reports the health and resident memory of every component of the local stack (`make status`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg2
import pymongo
import redis
import requests
from supervisor.xmlrpc import SupervisorTransport

from eventkit.pulsar.admin import PulsarAdmin
from eventkit.settings import Env, pulsar_auth_token

HOST = os.environ.get("BIND_HOST", "127.0.0.1")  # the APIs'
STORE_HOST = os.environ.get("STORE_BIND_HOST", "127.0.0.1")
TIMEOUT_S = 3


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def check_postgres() -> str:
    # make status sources infra/lib.sh: the URLs carry the passwords from RUN_DIR/credentials.env
    default = f"postgresql://ingestion@{STORE_HOST}:{_port('PG_PORT', 5432)}/ingestion"
    dsn = os.environ.get("INGESTION_DATABASE_URL", default)
    with psycopg2.connect(dsn, connect_timeout=TIMEOUT_S) as conn, conn.cursor() as cur:
        cur.execute("SHOW server_version")
        return f"PostgreSQL {cur.fetchone()[0]}"


def check_redis() -> str:
    # INFO and CONFIG are the ACL admin's (make status passes REDIS_ADMIN_URL, which no program is given)
    url = os.environ.get("REDIS_ADMIN_URL", f"redis://{STORE_HOST}:{_port('REDIS_PORT', 6379)}/0")
    client = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S)
    info = client.info("server")
    aof = client.config_get("appendonly")["appendonly"]
    return f"Redis {info['redis_version']}, appendonly={aof}"


def check_mongodb() -> str:
    # As FerretDB's user (infra/stack.env): hello needs no authentication, listing collections does
    url = os.environ.get("MONGO_URL", f"mongodb://{STORE_HOST}:{_port('MONGO_PORT', 27017)}")
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        url, serverSelectionTimeoutMS=TIMEOUT_S * 1000
    )
    try:
        client.get_default_database("query").list_collection_names()
        return f"MongoDB wire {client.server_info()['version']}"
    finally:
        client.close()


def check_pulsar() -> str:
    # With token authentication on, PULSAR_AUTH_TOKEN(_FILE) is read as the services read it.
    admin = PulsarAdmin(f"http://{STORE_HOST}:{_port('PULSAR_HTTP_PORT', 8080)}", pulsar_auth_token(Env()))
    admin.get("/namespaces/public/default", timeout_s=TIMEOUT_S).raise_for_status()
    return f"Pulsar {admin.get('/brokers/version', timeout_s=TIMEOUT_S).text.strip()}"


def service_check(port_var: str, default: int) -> Callable[[], str]:
    def check() -> str:
        resp = requests.get(f"http://{HOST}:{_port(port_var, default)}/readyz", timeout=TIMEOUT_S)
        resp.raise_for_status()
        return "ready"

    return check


CHECKS: dict[str, tuple[str, Callable[[], str] | None]] = {
    # component: (supervisord program, probe); a worker without an HTTP probe is healthy while RUNNING
    "postgres": ("stores:postgres", check_postgres),
    "redis": ("stores:redis", check_redis),
    "pulsar": ("stores:pulsar", check_pulsar),
    "mongodb": ("stores:mongodb", check_mongodb),
    "ingestion_svc": ("services:ingestion-api", service_check("INGESTION_PORT", 5001)),
    "ingestion-relay": ("services:ingestion-relay", None),
    "query_svc": ("services:query-api", service_check("QUERY_PORT", 5002)),
    "query-consumer": ("services:query-consumer", None),
    "processing_svc": ("services:processing-api", service_check("PROCESSING_PORT", 5003)),
    "processing-consumer": ("services:processing-consumer", None),
    "processing-relay": ("services:processing-relay", None),
    "validation_svc": ("services:validation-api", service_check("VALIDATION_PORT", 5004)),
    "validation-consumer": ("services:validation-consumer", None),
    "validation-relay": ("services:validation-relay", None),
}


def tree_rss_mib(pid: int) -> float:
    """Sums the resident memory of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total_kib, pending = 0, [pid]
    while pending:
        current = pending.pop()
        pending.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return total_kib / 1024


def _process_infos() -> list[dict[str, Any]]:
    run_dir = Path(os.environ.get("RUN_DIR", Path(__file__).resolve().parent.parent / ".run"))
    sock = run_dir / "supervisor.sock"
    if not sock.exists():
        return []
    transport = SupervisorTransport(None, None, f"unix://{sock}")
    proxy = xmlrpc.client.ServerProxy("http://localhost", transport=transport)
    try:
        infos: list[dict[str, Any]] = proxy.supervisor.getAllProcessInfo()  # type: ignore[assignment]
    except OSError:
        return []
    return infos


def supervised_pids() -> dict[str, int]:
    return {f"{i['group']}:{i['name']}": int(i["pid"]) for i in _process_infos() if i["pid"]}


def supervised_states() -> dict[str, str]:
    return {f"{i['group']}:{i['name']}": str(i["statename"]) for i in _process_infos()}


def probe(name: str, states: dict[str, str] | None = None) -> tuple[bool, str]:
    program, check = CHECKS[name]
    if check is None:
        state = (states if states is not None else supervised_states()).get(program, "NOT STARTED")
        return state == "RUNNING", f"supervisord: {state}"
    try:
        return True, check()
    except Exception as exc:  # any failure of a probe is the answer, not a crash
        return False, f"{type(exc).__name__}: {exc}".splitlines()[0][:120]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", choices=sorted(CHECKS), help="probe one component; exit 0 if healthy")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    if args.check:
        return 0 if probe(args.check)[0] else 1
    pids, states = supervised_pids(), supervised_states()
    rows = []
    for name, (program, _) in CHECKS.items():
        healthy, detail = probe(name, states)
        pid = pids.get(program)
        rows.append(
            {
                "component": name,
                "healthy": healthy,
                "pid": pid,
                "rss_mib": round(tree_rss_mib(pid), 1) if pid else None,
                "detail": detail,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{'component':<16}{'health':<10}{'pid':>8}{'rss MiB':>10}  detail")
        for r in rows:
            rss = f"{r['rss_mib']:.1f}" if r["rss_mib"] is not None else "-"
            health = "healthy" if r["healthy"] else "DOWN"
            print(f"{r['component']:<16}{health:<10}{r['pid'] or '-':>8}{rss:>10}  {r['detail']}")
    return 0 if all(r["healthy"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
