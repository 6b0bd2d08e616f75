"""The Docker compose file is linted here (CI has no Docker engine to run it)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[1] / "docker" / "compose.carla.yml"


def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_every_server_has_its_own_port_and_gpu() -> None:
    ports, gpus = [], []
    for name, service in services().items():
        command = " ".join(service["command"])
        port = int(re.search(r"-carla-rpc-port=(\d+)", command).group(1))
        adapter = re.search(r"-graphicsadapter=(\d+)", command).group(1)
        devices = service["deploy"]["resources"]["reservations"]["devices"][0]
        assert devices["device_ids"] == [adapter], f"{name}: renders on GPU {adapter} but reserves {devices}"
        assert "-RenderOffScreen" in command and "gpu" in devices["capabilities"]
        ports.append(port)
        gpus.append(adapter)
    assert len(set(ports)) == len(ports) and len(set(gpus)) == len(gpus)
    assert all((port - 2000) % 150 == 0 for port in ports)


def test_servers_use_a_pinned_carla_image() -> None:
    for name, service in services().items():
        assert re.fullmatch(r"carlasim/carla:\$\{CARLA_VERSION:-0\.9\.15\}", service["image"]), name
