"""Our own server processes, and only ours: process-group kill, port ownership, orphan reaping.

Every server starts in a new session (its own process group), so stopping it signals that group
and nothing else; unlike Bench2Drive's ``clean_carla.sh`` or its ``grep -graphicsadapter | kill``,
another user's or another run's CARLA on the same GPU is never touched. A supervisor that is
killed outright leaves its servers running; each server is therefore recorded in the runtime
folder with its owner, and the next supervisor on the machine ends the groups whose owner died.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

logger = logging.getLogger(__name__)

LISTEN_STATE = "0A"  # TCP_LISTEN in /proc/net/tcp


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_group(pgid: int, grace_s: float, leader: subprocess.Popen | None = None) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after ``grace_s`` seconds.

    ``leader``: the group's leader if it is our child, reaped here (a zombie still counts as a member).
    """
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if leader is not None:
                leader.poll()
            if not group_alive(pgid):
                return
            time.sleep(0.02)


def remove_container(name: str) -> None:
    """Remove our own container by its unique name (no other container is addressed)."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60, check=False)


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == LISTEN_STATE:
                    inodes.add(fields[9])
    return inodes


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:  # field 5: pgrp
                pids.append(int(entry.name))
    return pids


def group_listens_on(pgid: int, port: int) -> bool | None:
    """Whether a process of group ``pgid`` listens on TCP ``port``; None where /proc cannot tell."""
    if not Path("/proc/net/tcp").exists():
        return None
    inodes = _listening_inodes(port)
    if not inodes:
        return False
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in _group_pids(pgid):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in wanted:
                        return True
    return False


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (guards against a recycled pid), None if it is gone."""
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split())[19]
    except (OSError, IndexError):
        return None


class ServerRegistry:
    """``<runtime>/servers/<pgid>.json`` per running server: its owner and how to recognise it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    def add(self, pgid: int, marker: str, container: str = "") -> None:
        entry = {"pgid": pgid, "owner": os.getpid(), "owner_start": process_start_time(os.getpid()),
                 "marker": marker, "container": container}  # fmt: skip
        (self.folder / f"{pgid}.json").write_text(json.dumps(entry))

    def remove(self, pgid: int) -> None:
        (self.folder / f"{pgid}.json").unlink(missing_ok=True)

    def reap_orphans(self, grace_s: float = 5.0) -> list[int]:
        """End servers whose supervisor is gone; returns their process groups."""
        reaped = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                entry = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                path.unlink(missing_ok=True)
                continue
            if process_start_time(entry["owner"]) == entry["owner_start"]:
                continue  # its supervisor still runs
            pgid = entry["pgid"]
            if group_alive(pgid) and entry["marker"] in _cmdline(pgid):
                logger.warning("ending orphaned CARLA server (process group %d) left by a dead supervisor", pgid)
                kill_group(pgid, grace_s)
                reaped.append(pgid)
            if entry.get("container"):
                remove_container(entry["container"])
            path.unlink(missing_ok=True)
        return reaped


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
