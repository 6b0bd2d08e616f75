"""The probe worker: the evaluator's carla client asks the server, answers come back line by line."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.carla.probe import ProbeError, WorkerProbe
from sim.carla.process_group import kill_group
from sim.carla.stand_in import rpc_call


@pytest.fixture
def stand_in(port_base: int):
    process = subprocess.Popen([sys.executable, "-m", "sim.carla.stand_in", f"--rpc-port={port_base}",
                                f"--streaming-port={port_base + 1}", "--version=0.9.15"], start_new_session=True,
                               cwd=Path(__file__).resolve().parents[3])  # fmt: skip
    for _ in range(200):
        try:
            rpc_call("127.0.0.1", port_base, "frame", timeout_s=0.2)
            break
        except OSError:
            time.sleep(0.05)
    yield port_base
    kill_group(process.pid, 1.0, process)


def test_the_worker_asks_with_the_real_carla_client(stand_in: int) -> None:
    probe = WorkerProbe(sys.executable, "127.0.0.1", stand_in)
    try:
        assert probe.version(5.0) == "0.9.15", "carla.Client.get_server_version() over CARLA's RPC protocol"
        with pytest.raises(ProbeError, match="frame"):
            probe.frame(1.0)  # the stand-in has no world: the client's error comes back as an answer
        assert probe.version(5.0) == "0.9.15", "the worker survives a failed probe"
    finally:
        probe.close()


def test_a_silent_server_is_a_probe_error(port_base: int) -> None:
    probe = WorkerProbe(sys.executable, "127.0.0.1", port_base + 3)  # nobody listens
    try:
        with pytest.raises(ProbeError):
            probe.version(1.0)
    finally:
        probe.close()
