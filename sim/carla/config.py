"""Settings of a CARLA run: the servers, the official evaluator and the supervisor (single source of defaults)."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field

from sim.carla.ports import DEFAULT_RPC_BASE, DEFAULT_STEP, DEFAULT_TM_BASE


class ServerLaunch(enum.Enum):
    """How a server process is started."""

    LOCAL = "local"  # $CARLA_ROOT/CarlaUE4.sh on this machine
    DOCKER = "docker"  # the server image, as a sibling container (needs the docker CLI and socket)
    STAND_IN = "stand-in"  # sim/carla/stand_in.py: binds the ports and ticks; for tests and dry runs


class EvaluatorFlavour(enum.Enum):
    """Which checkout of the official evaluator runs the routes (each with its own CLI)."""

    BENCH2DRIVE = "bench2drive"  # Bench2Drive's leaderboard 2.0 fork, CARLA 0.9.15
    LEADERBOARD2 = "leaderboard2"  # carla-simulator/leaderboard master, CARLA 0.9.15
    LANGAUTO = "langauto"  # LMDrive's leaderboard 1.0 fork, CARLA 0.9.10.1
    LEADERBOARD1 = "leaderboard1"  # carla-simulator/leaderboard leaderboard-1.0, CARLA 0.9.10.1

    @property
    def carla_version(self) -> str:
        """The CARLA release the evaluator was written for."""
        return "0.9.10.1" if self in (EvaluatorFlavour.LANGAUTO, EvaluatorFlavour.LEADERBOARD1) else "0.9.15"

    @property
    def is_lb1(self) -> bool:
        return self.carla_version == "0.9.10.1"


@dataclass(frozen=True)
class ServerConfig:
    """One CARLA server's life.

    Attributes:
        launch: how the process starts.
        carla_root: folder holding ``CarlaUE4.sh`` (LOCAL); default ``$CARLA_ROOT``.
        carla_version: selects the headless render flags (Vulkan off-screen for 0.9.15, OpenGL for 0.9.10.1).
        docker_image: the server image (DOCKER).
        host: where clients reach the server.
        rpc_port_base, tm_port_base, port_step: port blocks (see :mod:`sim.carla.ports`).
        startup_timeout_s: [s] from process start to the first answer of the client API.
        tick_timeout_s: [s] without frame progress after which an unresponsive server counts as hung.
        probe_timeout_s: [s] client timeout of one health probe.
        poll_interval_s: [s] between health probes.
        recycle_every: restart the server after this many routes (0: never); long-lived servers leak.
        start_attempts: server starts tried (each on the next port block) before giving up.
        stop_grace_s: [s] between SIGTERM and SIGKILL of the server's process group.
        extra_args: appended to the server's command line.
        runtime_dir: port locks and the server registry, shared by every supervisor of the machine
            (default :func:`sim.carla.ports.runtime_dir`).
    """

    launch: ServerLaunch = ServerLaunch.LOCAL
    carla_root: str | None = None
    carla_version: str = "0.9.15"
    docker_image: str = "closed-loop/carla-server:0.9.15"
    host: str = "127.0.0.1"
    rpc_port_base: int = DEFAULT_RPC_BASE
    tm_port_base: int = DEFAULT_TM_BASE
    port_step: int = DEFAULT_STEP
    startup_timeout_s: float = 300.0
    tick_timeout_s: float = 60.0
    probe_timeout_s: float = 10.0
    poll_interval_s: float = 1.0
    recycle_every: int = 20
    start_attempts: int = 5
    stop_grace_s: float = 10.0
    extra_args: tuple[str, ...] = ()
    runtime_dir: str | None = None

    def resolved_carla_root(self) -> str | None:
        return self.carla_root or os.environ.get("CARLA_ROOT") or None


@dataclass(frozen=True)
class EvaluatorConfig:
    """How the official ``leaderboard_evaluator.py`` is run, one route per process.

    Attributes:
        flavour: which evaluator checkout and CLI.
        leaderboard_root: the checkout's ``leaderboard`` folder (holds ``leaderboard/leaderboard_evaluator.py``).
        scenario_runner_root: the matching scenario_runner checkout.
        carla_pythonapi: folder holding CARLA's ``agents`` package (``$CARLA_ROOT/PythonAPI/carla``), which
            scenario_runner imports; default from ``CARLA_ROOT``.
        python: interpreter of the evaluator (it needs the server's ``carla`` client version).
        script: evaluator script to run instead of the checkout's (tests use a stand-in).
        track: ``SENSORS`` or ``MAP`` (must equal the agent's ``self.track``).
        client_timeout_s: [s] the evaluator's ``--timeout`` (its CARLA client and agent watchdog).
        route_wall_limit_s: [s] wall clock after which one route attempt is abandoned.
        save_path: folder for the agent's per-route output (Bench2Drive's ``SAVE_PATH``), or None.
        extra_env: more environment variables for the evaluator.
    """

    flavour: EvaluatorFlavour = EvaluatorFlavour.BENCH2DRIVE
    leaderboard_root: str | None = None
    scenario_runner_root: str | None = None
    carla_pythonapi: str | None = None
    python: str | None = None
    script: str | None = None
    track: str = "SENSORS"
    client_timeout_s: float = 600.0
    route_wall_limit_s: float = 4 * 3600.0
    save_path: str | None = None
    extra_env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SupervisorConfig:
    """A supervisor: one server, routes one after the other.

    Attributes:
        server: the server's settings.
        evaluator: the evaluator's settings.
        max_attempts: tries per route when the simulator fails (the agent's own failures are final).
        work_dir: per-route evaluator checkpoints and logs (``<work_dir>/<route>/attempt<k>/``).
    """

    server: ServerConfig = field(default_factory=ServerConfig)
    evaluator: EvaluatorConfig = field(default_factory=EvaluatorConfig)
    max_attempts: int = 3
    work_dir: str = "carla_work"
