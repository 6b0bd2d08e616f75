"""The command line that starts one server: headless rendering, its ports, its GPU.

- CARLA 0.9.15 renders with Vulkan off-screen (``-RenderOffScreen``) on ``-graphicsadapter=N``.
- CARLA 0.9.10.1 predates ``-RenderOffScreen``: OpenGL (``-opengl``) with SDL's off-screen video
  driver, the GPU picked by ``SDL_HINT_CUDA_DEVICE``.
- In Docker the container sees only its own GPU, which is then adapter 0.

The Vulkan adapter index may differ from the CUDA index on some machines (CARLA ignores
``CUDA_VISIBLE_DEVICES``); ``--gpus`` gives adapter indices.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from sim.carla.config import ServerConfig, ServerLaunch
from sim.carla.ports import PortBlock

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_SCRIPT = "CarlaUE4.sh"


@dataclass(frozen=True)
class LaunchCommand:
    """How to start a server process and how to recognise it.

    Attributes:
        argv: the command.
        env: environment additions.
        marker: text on the process's command line that identifies this very server.
        container: Docker container name (DOCKER launches), removed on stop.
    """

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    marker: str = ""
    container: str = ""


def render_flags(carla_version: str) -> tuple[str, ...]:
    """Headless rendering flags of a CARLA release."""
    if carla_version.startswith("0.9.10"):
        return ("-opengl", "-nosound")
    return ("-RenderOffScreen", "-nosound")


def server_flags(config: ServerConfig, ports: PortBlock, adapter: int) -> tuple[str, ...]:
    return (
        *render_flags(config.carla_version),
        f"-carla-rpc-port={ports.rpc}",
        f"-carla-streaming-port={ports.streaming}",
        f"-graphicsadapter={adapter}",
        *config.extra_args,
    )


def render_env(carla_version: str, adapter: int) -> tuple[tuple[str, str], ...]:
    if carla_version.startswith("0.9.10"):
        return (("SDL_VIDEODRIVER", "offscreen"), ("SDL_HINT_CUDA_DEVICE", str(adapter)))
    return ()


def launch_command(config: ServerConfig, ports: PortBlock, gpu: int, token: str) -> LaunchCommand:
    """The command for ``config.launch``; ``token`` makes container names unique to this supervisor."""
    marker = f"-carla-rpc-port={ports.rpc}"
    if config.launch is ServerLaunch.LOCAL:
        root = config.resolved_carla_root()
        if not root:
            raise ValueError("CARLA server: CARLA_ROOT is not set (the folder holding CarlaUE4.sh)")
        argv = (str(Path(root) / SERVER_SCRIPT), *server_flags(config, ports, gpu))
        return LaunchCommand(argv, render_env(config.carla_version, gpu), marker)
    if config.launch is ServerLaunch.DOCKER:
        name = f"closed-loop-carla-{ports.rpc}-{token}"
        env = render_env(config.carla_version, 0)
        env_flags = [flag for key, value in env for flag in ("-e", f"{key}={value}")]
        argv = ("docker", "run", "--rm", "--name", name, "--net=host", "--gpus", f"device={gpu}", *env_flags,
                config.docker_image, "/bin/bash", f"./{SERVER_SCRIPT}", *server_flags(config, ports, 0))  # fmt: skip
        return LaunchCommand(argv, (), marker, container=name)
    argv = (
        sys.executable, "-m", "sim.carla.stand_in", f"--rpc-port={ports.rpc}", f"--streaming-port={ports.streaming}",
        f"--secondary-port={ports.secondary}", f"--graphics-adapter={gpu}", f"--version={config.carla_version}",
        *config.extra_args,
    )  # fmt: skip
    python_path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return LaunchCommand(argv, (("PYTHONPATH", python_path),), f"--rpc-port={ports.rpc}")
