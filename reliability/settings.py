"""Where the stack is and how hard a run pushes it: endpoints, keys and the short or full profile."""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path

import pulsar

from eventkit.pulsar.admin import PulsarAdmin
from eventkit.pulsar.client import make_client
from eventkit.settings import Env, pulsar_auth_token

REPO_ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def stack_environment() -> dict[str, str]:
    """The variables infra/lib.sh sets, as `make up` hands them to its programs.

    Ports, hosts and the store URLs with the passwords from RUN_DIR/credentials.env (readable by root only),
    plus what no program is given: the Redis admin's URL and PULSAR_AUTH_TOKEN_FILE, the broker superuser's
    token (unless the caller's environment names a token of its own)."""
    lib = f'source "{REPO_ROOT}/infra/lib.sh" >/dev/null'
    script = f"{lib} && export REDIS_ADMIN_URL && export_admin_pulsar_token && env -0"
    result = subprocess.run(["bash", "-c", script], capture_output=True, timeout=60, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"sourcing infra/lib.sh failed: {result.stderr.decode(errors='replace')}")
    pairs = (item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)
    return dict(pairs)


def admin_pulsar_token() -> str:
    """The token tools present to the local stack's broker: its superuser's, as stack_environment names it."""
    return pulsar_auth_token(Env(stack_environment()))


@dataclass(frozen=True)
class Profile:
    """How many records a scenario streams, how fast, and how long the system gets to converge."""

    name: str
    records: int  # per scenario
    rate: float  # records per second, all clients together
    clients: int
    partners: int
    amend_every: int  # every n-th record is amended...
    amendments: int  # ...this many times
    odd_every: int  # every n-th record carries data the pipeline reports as invalid/failed
    converge_bound_s: float
    record_deadline_s: float  # a client gives up retrying one request after this long
    kill_interval_s: float
    outage_s: float  # how long a stopped store or broker stays down
    pause_s: float  # how long a consumer stays SIGSTOPped (past the broker's keep-alive)
    stall_s: float  # network stall through the proxy
    fuzz_examples: int
    fuzz_seconds: int
    slow_clients: int
    slow_seconds: float


SHORT = Profile(
    name="short",
    records=200,
    rate=25.0,
    clients=6,
    partners=3,
    amend_every=10,
    amendments=2,
    odd_every=25,
    converge_bound_s=120.0,
    record_deadline_s=120.0,
    kill_interval_s=2.0,
    outage_s=6.0,
    pause_s=70.0,
    stall_s=10.0,
    fuzz_examples=10,
    fuzz_seconds=25,
    slow_clients=300,
    slow_seconds=8.0,
)

FULL = Profile(
    name="full",
    records=5000,
    rate=120.0,
    clients=12,
    partners=4,
    amend_every=10,
    amendments=3,
    odd_every=25,
    converge_bound_s=300.0,
    record_deadline_s=180.0,
    kill_interval_s=5.0,
    outage_s=15.0,
    pause_s=75.0,
    stall_s=10.0,
    fuzz_examples=50,
    fuzz_seconds=120,
    slow_clients=1000,
    slow_seconds=20.0,
)

PROFILES = {profile.name: profile for profile in (SHORT, FULL)}


@dataclass(frozen=True)
class Stack:
    """The local stack `make up` runs, read from the same variables (ports) as infra/stack.env."""

    host: str  # the APIs' (BIND_HOST)
    ports: dict[str, int]
    run_dir: Path
    admin_key: str
    store_host: str = "127.0.0.1"  # the stores' and the broker's (STORE_BIND_HOST)
    # INGESTION_DATABASE_URL, PROCESSING_DATABASE_URL, REDIS_URL: with their passwords (stack_environment)
    store_urls: dict[str, str] = field(default_factory=dict, repr=False)
    # The broker's superuser token (admin_pulsar_token): the faults create topics and read any topic's stats.
    pulsar_auth_token: str = field(default="", repr=False)

    def url(self, service: str) -> str:
        return f"http://{self.host}:{self.ports[service]}"

    @property
    def ingestion_db_url(self) -> str:
        return _psycopg2(self.store_urls["INGESTION_DATABASE_URL"])

    @property
    def processing_db_url(self) -> str:
        return _psycopg2(self.store_urls["PROCESSING_DATABASE_URL"])

    @property
    def redis_url(self) -> str:
        return self.store_urls["REDIS_URL"]  # validation's ACL user: the checker reads only validation's keys

    @property
    def mongo_url(self) -> str:
        return self.store_urls["MONGO_URL"]  # FerretDB's user: the view's checker reads the query database

    @property
    def pulsar_url(self) -> str:
        return f"pulsar://{self.store_host}:{self.ports['PULSAR_PORT']}"

    @property
    def pulsar_admin_url(self) -> str:
        return f"http://{self.store_host}:{self.ports['PULSAR_HTTP_PORT']}"

    @property
    def pulsar_admin(self) -> PulsarAdmin:
        return PulsarAdmin(self.pulsar_admin_url, self.pulsar_auth_token)

    def pulsar_client(self) -> pulsar.Client:
        return make_client(self.pulsar_url, auth_token=self.pulsar_auth_token)


def _psycopg2(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg2://", 1)


_DEFAULT_PORTS = {
    "PG_PORT": 5432,
    "REDIS_PORT": 6379,
    "MONGO_PORT": 27017,
    "PULSAR_PORT": 6650,
    "PULSAR_HTTP_PORT": 8080,
    "INGESTION_PORT": 5001,
    "QUERY_PORT": 5002,
    "PROCESSING_PORT": 5003,
    "VALIDATION_PORT": 5004,
}


def stack_from_env() -> Stack:
    """Reads ports, hosts and store URLs as `make up` sets them, and the admin key from its dev keys."""
    env = stack_environment()
    run_dir = Path(env["RUN_DIR"])
    keys_file = run_dir / "dev-keys.env"
    if not keys_file.exists():
        raise SystemExit(f"{keys_file} is missing: run `make up` first")
    keys = dict(
        line.split("=", 1) for line in keys_file.read_text().splitlines() if "=" in line and line[0] != "#"
    )
    ports = {name: int(env.get(name, default)) for name, default in _DEFAULT_PORTS.items()}
    # the broker's "faults" listener (infra/stack.env): where the Pulsar network fault's proxy listens
    ports["PULSAR_FAULTS_PORT"] = int(env.get("PULSAR_FAULTS_PORT", ports["PULSAR_PORT"] + 2))
    names = ("INGESTION_DATABASE_URL", "PROCESSING_DATABASE_URL", "REDIS_URL", "MONGO_URL")
    urls = {name: env[name] for name in names}
    return Stack(
        env["BIND_HOST"],
        ports,
        run_dir,
        keys["ADMIN_KEY"].strip(),
        store_host=env["STORE_BIND_HOST"],
        store_urls=urls,
        pulsar_auth_token=admin_pulsar_token(),
    )


def profile_named(name: str, records: int | None = None, converge_bound_s: float | None = None) -> Profile:
    profile = PROFILES[name]
    if records is not None:
        profile = replace(profile, records=records)
    if converge_bound_s is not None:
        profile = replace(profile, converge_bound_s=converge_bound_s)
    return profile
