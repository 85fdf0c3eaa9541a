"""Redis is configured so that an acknowledged validation survives a machine crash."""

from __future__ import annotations

from tests.stack import REPO_ROOT


def _directives() -> dict[str, str]:
    lines = (REPO_ROOT / "infra/redis/redis.conf").read_text(encoding="utf-8").splitlines()
    pairs = (line.split(None, 1) for line in lines if line.strip() and not line.startswith("#"))
    return {pair[0]: pair[1].strip() for pair in pairs if len(pair) == 2}


def test_the_append_only_file_is_fsynced_on_every_write() -> None:
    directives = _directives()
    assert directives["appendonly"] == "yes"
    assert directives["appendfsync"] == "always"
