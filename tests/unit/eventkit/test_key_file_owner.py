"""A key file rewritten by someone else (root's `keys add`) keeps the owner and mode the services read it with."""

from __future__ import annotations

import os
from pathlib import Path

from eventkit.auth.keys import add_key, list_keys, revoke_key


def test_a_new_key_file_and_its_lock_are_their_writers_alone(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a root shell's usual umask: what the file gets must not depend on it
    try:
        add_key(tmp_path / "keys.json", "admin")
    finally:
        os.umask(old)
    assert (tmp_path / "keys.json").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys.json.lock").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys.json", "keys.json.lock"]  # no temporary left


def test_a_rewrite_keeps_the_files_mode(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    key = add_key(path, "admin")
    os.chmod(path, 0o640)
    revoke_key(path, key.split("_")[1])
    assert path.stat().st_mode & 0o777 == 0o640


def test_root_rewriting_the_services_key_file_leaves_it_theirs(tmp_path: Path) -> None:
    """As `make up` and the tests run: as root (README, Prerequisites), handing files to the service user."""
    assert os.geteuid() == 0, "the suite runs as root, as `make up` does: only root can give a file away"
    path = tmp_path / "keys.json"
    add_key(path, "admin")
    os.chown(path, 4242, 4343)
    add_key(path, "partner", "partner123")
    info = path.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (4242, 4343, 0o600)
    assert len(list_keys(path)) == 2
