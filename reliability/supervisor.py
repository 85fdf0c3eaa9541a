"""Controls the stack's supervised processes: signals, stops and starts, and copies run beside them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path

from reliability.settings import REPO_ROOT

# Programs as infra/supervisord.conf names them, with their group.
SERVICES = (
    "ingestion-api",
    "ingestion-relay",
    "validation-consumer",
    "validation-relay",
    "processing-consumer",
    "processing-relay",
    "query-consumer",
    "query-api",
    "validation-api",
    "processing-api",
)
STORES = ("postgres", "redis", "pulsar", "mongodb")


def qualified(program: str) -> str:
    return f"stores:{program}" if program in STORES else f"services:{program}"


def supervisorctl(*args: str) -> str:
    """Runs supervisorctl on the stack's supervisord (the environment names its socket)."""
    command = f'source "{REPO_ROOT}/infra/lib.sh" && supervisorctl {" ".join(args)}'
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=180, check=False)
    if result.returncode not in (0, 3):  # 3: some program is not RUNNING; callers read the status
        raise RuntimeError(f"supervisorctl {' '.join(args)} failed: {result.stdout}{result.stderr}")
    return result.stdout


def pid_of(program: str) -> int:
    """Returns the program's pid, 0 when it is not running (supervisorctl then prints 0 and exits 1)."""
    command = f'source "{REPO_ROOT}/infra/lib.sh" && supervisorctl pid {qualified(program)}'
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=180, check=False)
    out = result.stdout.strip()
    if not out.isdigit():
        raise RuntimeError(f"supervisorctl pid {program} failed: {result.stdout}{result.stderr}")
    return int(out)


def pids() -> dict[str, int]:
    """Returns the pid of every supervised program (0 when not running)."""
    found: dict[str, int] = {}
    for line in supervisorctl("status").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[1] == "RUNNING" and parts[2] == "pid":
            found[parts[0].split(":")[-1]] = int(parts[3].rstrip(","))
        elif parts:
            found[parts[0].split(":")[-1]] = 0
    return found


def signal_program(program: str, signum: int, *, group: bool = True) -> int:
    """Sends a signal to the program (its whole process group: a gunicorn master and its workers)."""
    pid = pid_of(program)
    if pid == 0:
        return 0
    try:
        if group:
            os.killpg(os.getpgid(pid), signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        return 0
    return pid


async def wait_running(program: str, timeout_s: float = 90.0, *, other_than: int = 0) -> bool:
    """Waits until supervisord runs the program (with a pid other than `other_than`); False on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        pid = await asyncio.to_thread(pid_of, program)
        if pid and pid != other_than:
            return True
        await asyncio.sleep(0.5)
    return False


async def ensure_running(program: str) -> bool:
    """Starts a program supervisord gave up on (FATAL after quick restarts); True if it had to."""
    if await asyncio.to_thread(pid_of, program):
        return False
    await asyncio.to_thread(supervisorctl, "start", qualified(program))
    return True


def environment_of(pid: int) -> dict[str, str]:
    """Returns the environment a running process was started with."""
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {key.decode(): value.decode() for key, value in pairs}


class Copy:
    """A process started like a supervised program, with the same environment plus overrides."""

    def __init__(
        self, program: str, command: list[str], env: Mapping[str, str], log: Path, owner: tuple[int, int]
    ) -> None:
        self.program = program
        self._command = command
        self._env = dict(env)
        self._log = log
        self._owner = owner  # (uid, gid) the supervised program runs as
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        return 0 if self._process is None else self._process.pid

    def start(self) -> None:
        self._log.parent.mkdir(parents=True, exist_ok=True)
        with self._log.open("ab") as out:
            # As the program's own user and umask (infra/supervisord.conf): a copy run as root would leave
            # files in the program's directories (its metrics) that the program itself cannot replace.
            uid, gid = self._owner
            switch = uid != os.getuid()
            self._process = subprocess.Popen(
                self._command,
                env=self._env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=0o077,
                user=uid if switch else None,
                group=gid if switch else None,
                extra_groups=[] if switch else None,
            )

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """Ends the copy and its children (TERM, then KILL after 20 s)."""
        if self._process is None or self._process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=10)


def copy_of(program: str, run_dir: Path, overrides: Mapping[str, str] | None = None) -> Copy:
    """Prepares a copy of a running supervised program: same command line and environment."""
    pid = pid_of(program)
    if pid == 0:
        raise RuntimeError(f"{program} is not running, so there is nothing to copy")
    env = {**environment_of(pid), **(overrides or {})}
    package, command = _COMMANDS[program]
    owner = os.stat(f"/proc/{pid}")
    return Copy(
        program,
        [str(REPO_ROOT / "infra/run-service.sh"), package, command],
        env,
        run_dir / "logs" / f"reliability-{program}.log",
        (owner.st_uid, owner.st_gid),
    )


_COMMANDS = {
    "ingestion-api": ("ingestion_svc", "serve"),
    "ingestion-relay": ("ingestion_svc", "relay"),
    "validation-api": ("validation_svc", "serve"),
    "validation-consumer": ("validation_svc", "consume"),
    "validation-relay": ("validation_svc", "relay"),
    "processing-api": ("processing_svc", "serve"),
    "processing-consumer": ("processing_svc", "consume"),
    "processing-relay": ("processing_svc", "relay"),
    "query-api": ("query_svc", "serve"),
    "query-consumer": ("query_svc", "consume"),
}
