"""Checks of the local stack's hardening (issue 22), as pure functions over what /proc, a directory tree and the
broker show, so each can be fed a planted violation (tests/unit/test_stack_security.py)."""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's st column


@dataclass(frozen=True)
class Listener:
    address: str
    port: int
    inode: int


def parse_proc_net_tcp(text: str, *, ipv6: bool = False) -> list[Listener]:
    """The listening sockets of a /proc/net/tcp or /proc/net/tcp6 table."""
    found = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != _LISTEN:
            continue
        hex_address, hex_port = fields[1].split(":")
        found.append(Listener(_address(hex_address, ipv6), int(hex_port, 16), int(fields[9])))
    return found


def _address(hex_address: str, ipv6: bool) -> str:
    raw = bytes.fromhex(hex_address)
    if ipv6:  # four host-order 32-bit words
        raw = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
        return str(ipaddress.IPv6Address(raw))
    return str(ipaddress.IPv4Address(raw[::-1]))


def off_loopback(listeners: Iterable[Listener]) -> list[Listener]:
    """The listeners other hosts can reach: any address but 127.0.0.0/8 and ::1 (wildcards included)."""
    return [listener for listener in listeners if not ipaddress.ip_address(listener.address).is_loopback]


def socket_inodes(pid: int) -> set[int]:
    """The inodes of the sockets a process holds open."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def process_tree(pid: int) -> set[int]:
    """The process and all its descendants (those still alive when read)."""
    try:
        return {pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))}
    except psutil.NoSuchProcess:
        return {pid}


def uids(status_text: str) -> tuple[int, int, int, int]:
    """Real, effective, saved and filesystem uid from /proc/<pid>/status."""
    line = next(line for line in status_text.splitlines() if line.startswith("Uid:"))
    real, effective, saved, filesystem = (int(value) for value in line.split()[1:5])
    return real, effective, saved, filesystem


@dataclass(frozen=True)
class Exposure:
    path: Path
    mode: int
    owner: int
    group: int


def exposures(root: Path, allowed_group: dict[Path, int]) -> Iterator[Exposure]:
    """Everything under root (root included) that other users may read, write or enter.

    `allowed_group` names paths whose group may have the given permission bits (e.g. a directory the group
    may only pass through: 0o010). Symlinks are not followed."""
    for path in (root, *sorted(_walk(root))):
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            continue
        mode = stat.S_IMODE(info.st_mode)
        granted = allowed_group.get(path, 0)
        if mode & 0o007 or mode & 0o070 & ~granted:
            yield Exposure(path, mode, info.st_uid, info.st_gid)


def _walk(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        for name in (*subdirectories, *files):
            yield Path(directory) / name


# ---- Pulsar: a role per service -------------------------------------------------------------------------------

Grant = tuple[str, str, str]  # (role, action, topic short name)
NAMESPACE = "*"  # the topic of a namespace-wide grant


def granted(grants_sh: str) -> set[Grant]:
    """The grants infra/pulsar/grants.sh makes: `grant ROLE ACTION TOPIC` and `grant_namespace ROLE ACTION`."""
    found = {(m[1], m[2], m[3]) for m in re.finditer(r"^\s*grant (\S+) (\S+) (\S+)$", grants_sh, re.M)}
    found |= {
        (m[1], m[2], NAMESPACE) for m in re.finditer(r"^\s*grant_namespace (\S+) (\S+)$", grants_sh, re.M)
    }
    return found


def authorization_mismatches(allowed: Mapping[Grant, bool], grants: set[Grant]) -> list[str]:
    """Where what the broker allowed differs from the grants: a role doing more than granted, or less."""
    found = []
    for (role, action, topic), was_allowed in sorted(allowed.items()):
        should = (role, action, topic) in grants or (role, action, NAMESPACE) in grants
        if was_allowed != should:
            found.append(f"{role} {'could' if was_allowed else 'could not'} {action} {topic}")
    return found


def token_subject(token: str) -> str:
    """The role a JWT names (its `sub` claim), read without checking the signature."""
    claims = token.strip().split(".")[1]
    subject: str = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["sub"]
    return subject


def credential_problems(
    environ: Mapping[str, str], own_token_file: str | None, admin_token_file: str
) -> list[str]:
    """What is wrong with the Pulsar credential a process was given: a token in the environment itself, a token
    file other than its role's (`own_token_file`; None for a program that talks to no broker as a client), or
    the superuser's token file named in any variable."""
    found = []
    if environ.get("PULSAR_AUTH_TOKEN", "").strip():
        found.append("holds a token in PULSAR_AUTH_TOKEN")
    named = environ.get("PULSAR_AUTH_TOKEN_FILE", "").strip() or None
    if named != own_token_file:
        found.append(f"PULSAR_AUTH_TOKEN_FILE={named}, not {own_token_file}")
    found += [
        f"{name} names the superuser's token" for name, value in environ.items() if admin_token_file in value
    ]
    return found
