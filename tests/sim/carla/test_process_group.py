"""Only our own servers are touched: port ownership by process group, orphans of dead supervisors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from sim.carla.process_group import ServerRegistry, group_alive, group_listens_on, kill_group

SERVE = "import socket, sys, time; s = socket.socket(); s.bind(('', int(sys.argv[1]))); s.listen(); time.sleep(60)"


def listener(port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(port), "--marker"], start_new_session=True)
    deadline = time.monotonic() + 10
    while group_listens_on(process.pid, port) is not True and time.monotonic() < deadline:
        time.sleep(0.02)
    return process


def test_a_port_is_ours_only_when_our_group_listens_on_it(port_base: int) -> None:
    process = listener(port_base)
    try:
        assert group_listens_on(process.pid, port_base) is True
        assert group_listens_on(os.getpgid(0), port_base) is False, "another group's socket is not ours"
        with socket.socket() as other:
            other.bind(("", port_base + 1))
            other.listen()
            assert group_listens_on(process.pid, port_base + 1) is False
    finally:
        kill_group(process.pid, 1.0, process)
    assert not group_alive(process.pid)


def test_orphans_of_a_dead_supervisor_are_ended_and_nothing_else(tmp_path: Path, port_base: int) -> None:
    orphan, bystander = listener(port_base), listener(port_base + 1)
    dead_owner = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_owner.wait()
    registry = ServerRegistry(tmp_path / "servers")
    entry = {"pgid": orphan.pid, "owner": dead_owner.pid, "owner_start": "0", "marker": "--marker", "container": ""}
    (registry.folder / f"{orphan.pid}.json").write_text(json.dumps(entry))
    mismatched = {**entry, "pgid": bystander.pid, "marker": "-carla-rpc-port=1"}  # a recycled pgid: not ours
    (registry.folder / f"{bystander.pid}.json").write_text(json.dumps(mismatched))
    registry.add(os.getpgid(0), "pytest")  # our own, with a living owner
    try:
        assert registry.reap_orphans(grace_s=1.0) == [orphan.pid]
        orphan.wait(timeout=5)
        assert bystander.poll() is None, "a process whose command line does not match is left alone"
        assert sorted(p.name for p in registry.folder.iterdir()) == [f"{os.getpgid(0)}.json"]
    finally:
        kill_group(bystander.pid, 1.0, bystander)
        kill_group(orphan.pid, 1.0, orphan)
