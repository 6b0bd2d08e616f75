"""Port clashes at server start: a port taken after the claim, or answered by someone else's server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.carla import ports
from sim.carla.server import ServerProcess, ServerStartError
from sim.carla.stand_in import rpc_call
from tests.sim.carla.stand_ins import server_config


def test_a_busy_port_is_never_handed_to_a_server(tmp_path: Path, port_base: int) -> None:
    with socket.socket() as foreign:
        foreign.bind(("", port_base + 1))  # the streaming port of block 0
        foreign.listen()
        server = ServerProcess(server_config(port_base), 0, tmp_path)
        server.start()
        try:
            assert server.ports.rpc == port_base + 5 and server.starts == 1
        finally:
            server.stop()


def test_a_port_taken_after_the_claim_moves_the_server_to_the_next_block(
    tmp_path: Path, port_base: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ports, "port_is_bindable", lambda port, host="": True)  # the check saw it free...
    with socket.socket() as foreign:
        foreign.bind(("", port_base))  # ...and then another program bound it
        foreign.listen()
        server = ServerProcess(server_config(port_base), 0, tmp_path)
        server.start()
        try:
            assert server.ports.rpc == port_base + 5 and server.starts == 2
            assert "bind failed" in (tmp_path / f"server_{port_base}_1.log").read_text()
        finally:
            server.stop()


def test_a_port_answered_by_a_foreign_server_is_not_taken_for_ours(
    tmp_path: Path, port_base: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ports, "port_is_bindable", lambda port, host="": True)
    foreign = subprocess.Popen([sys.executable, "-m", "sim.carla.stand_in", f"--rpc-port={port_base}",
                                f"--streaming-port={port_base + 1}"], start_new_session=True)  # fmt: skip
    try:
        _wait_for_answer(port_base)
        server = ServerProcess(server_config(port_base, extra_args=("--startup-delay=0.5",)), 0, tmp_path)
        server.start()
        try:
            assert server.ports.rpc == port_base + 5
            assert rpc_call("127.0.0.1", server.ports.rpc, "pid") == server.pid
        finally:
            server.stop()
        assert foreign.poll() is None, "the foreign server is left running"
    finally:
        foreign.kill()
        foreign.wait()


def test_a_server_that_never_starts_is_reported_with_its_log(tmp_path: Path, port_base: int) -> None:
    config = server_config(port_base, extra_args=("--no-such-option",), start_attempts=2)
    with pytest.raises(ServerStartError, match=r"(?s)failed to start 2 times.*exited with code 2.*no-such-option"):
        ServerProcess(config, 0, tmp_path).start()


def _wait_for_answer(port: int) -> None:
    for _ in range(200):
        try:
            rpc_call("127.0.0.1", port, "frame", timeout_s=0.2)
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"the foreign stand-in on {port} never answered")
