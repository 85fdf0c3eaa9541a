"""docker compose's Redis users as infra/docker/redis-acl.sh writes them, for the tests that check them
statically (tests/unit/test_compose_hardening.py) and run the code under them (the validation user)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("ingestion", "query", "processing", "validation")
# A password per service user, each other than its user's name (the script refuses those).
REDIS_PASSWORDS = {f"REDIS_{user.upper()}_PASSWORD": f"{user}-pw-42" for user in SERVICES}


def run_redis_acl(tmp_path: Path, **passwords: str) -> subprocess.CompletedProcess[str]:
    """Runs infra/docker/redis-acl.sh as the Redis container's entrypoint does, with `true` as the server;
    the users land in tmp_path/users.acl."""
    environ = {"PATH": os.environ["PATH"], "REDIS_ACL_FILE": str(tmp_path / "users.acl"), **passwords}
    script = str(ROOT / "infra/docker/redis-acl.sh")
    return subprocess.run(["sh", script, "true"], env=environ, capture_output=True, text=True, check=False)
