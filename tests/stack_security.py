"""Checks of the local stack's hardening (issue 22, finding 5), as pure functions over what /proc and a directory
tree show, so each can be fed a planted violation (tests/unit/test_stack_security.py)."""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

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
    """The process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        tree.add(current)
        todo.extend(children.get(current, []))
    return tree


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
