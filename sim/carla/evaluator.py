"""One route attempt of the official evaluator: its command line, environment and files.

Every attempt runs ``leaderboard_evaluator.py`` in its own process against our server, with its
own checkpoint file in a fresh folder, so a crash of one attempt never touches another's
results. Leaderboard 2.0 checkouts take the route with ``--routes-subset``; LMDrive's 1.0 fork
has no subset option, so 1.0 attempts get a route file holding just that route.
Bench2Drive's evaluator launches CARLA itself; it runs through :mod:`sim.carla.bench2drive_entry`,
which connects it to our server instead.
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from sim.carla.config import EvaluatorConfig, EvaluatorFlavour
from sim.carla.launch import REPO_ROOT
from sim.carla.ports import PortBlock

EVALUATOR_SCRIPT = "leaderboard/leaderboard_evaluator.py"
B2D_ENTRY_MODULE = "sim.carla.bench2drive_entry"
NO_GPU_RANK = "-1"  # Bench2Drive's evaluator kills every process matching -graphicsadapter=<rank> after a crash


@dataclass(frozen=True)
class CarlaRoute:
    """One (route, repetition) of a run, as the evaluator needs it.

    Attributes:
        index: position in the run (our results file's record index).
        route_id: the route file's ``id``.
        name: our record's route id (``RouteScenario_<id>``, ``_rep<k>`` for repetitions > 0).
        town: the route's town.
        route_file: the benchmark's route XML.
        scenarios_file: leaderboard 1.0's scenario JSON (None for 2.0 routes).
        scenario_types: scenario types on the route (kept in the record's meta).
    """

    index: int
    route_id: str
    name: str
    town: str
    route_file: str
    scenarios_file: str | None = None
    scenario_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvaluatorCall:
    argv: tuple[str, ...]
    env: dict[str, str]
    cwd: str
    checkpoint: Path
    log: Path


def evaluator_call(
    config: EvaluatorConfig, agent: tuple[str, str], route: CarlaRoute, host: str, ports: PortBlock, gpu: int,
    attempt_dir: Path,
) -> EvaluatorCall:  # fmt: skip
    """The process for one attempt; ``agent`` is (agent .py path, config string)."""
    attempt_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = attempt_dir / "checkpoint.json"
    flavour = config.flavour
    leaderboard = Path(config.leaderboard_root or ".")
    common = [f"--agent={agent[0]}", f"--agent-config={agent[1]}", f"--track={config.track}",
              f"--checkpoint={checkpoint}", f"--host={host}", f"--port={ports.rpc}", "--repetitions=1"]  # fmt: skip
    if flavour.is_lb1:
        one_route = write_single_route(Path(route.route_file), route.route_id, attempt_dir / "route.xml")
        args = [*common, f"--routes={one_route}", f"--scenarios={route.scenarios_file}",
                f"--trafficManagerPort={ports.traffic_manager}", f"--timeout={config.client_timeout_s}"]  # fmt: skip
    else:
        args = [*common, f"--routes={route.route_file}", f"--routes-subset={route.route_id}",
                f"--traffic-manager-port={ports.traffic_manager}", f"--timeout={config.client_timeout_s}",
                f"--debug-checkpoint={attempt_dir / 'live_results.txt'}"]  # fmt: skip
    python = config.python or sys.executable
    if config.script:
        entry = [python, config.script]
    elif flavour is EvaluatorFlavour.BENCH2DRIVE:
        entry = [python, "-m", B2D_ENTRY_MODULE]
        args.append(f"--gpu-rank={NO_GPU_RANK}")
    else:
        entry = [python, str(leaderboard / EVALUATOR_SCRIPT)]
    return EvaluatorCall(
        argv=(*entry, *args),
        env=evaluator_env(config, gpu),
        cwd=str(leaderboard.parent if flavour is EvaluatorFlavour.BENCH2DRIVE else leaderboard),
        checkpoint=checkpoint,
        log=attempt_dir / "evaluator.log",
    )


def evaluator_env(config: EvaluatorConfig, gpu: int) -> dict[str, str]:
    """The evaluator's environment: checkouts and CARLA's Python API on the path, its GPU, headless SDL."""
    carla_root = os.environ.get("CARLA_ROOT", "")
    pythonapi = config.carla_pythonapi or (str(Path(carla_root) / "PythonAPI" / "carla") if carla_root else "")
    leaderboard = config.leaderboard_root or ""
    team_code = str(Path(leaderboard) / "team_code") if leaderboard else ""
    paths = [leaderboard, config.scenario_runner_root or "", str(REPO_ROOT), team_code, pythonapi,
             os.environ.get("PYTHONPATH", "")]  # fmt: skip
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join(p for p in paths if p),
        CUDA_VISIBLE_DEVICES=str(gpu),
        SDL_VIDEODRIVER="dummy",  # LMDrive's agent opens a pygame window
        LEADERBOARD_ROOT=leaderboard,
        SCENARIO_RUNNER_ROOT=config.scenario_runner_root or "",
    )
    if config.save_path:
        env["SAVE_PATH"] = config.save_path
    env.update(dict(config.extra_env))
    return env


def write_single_route(route_file: Path, route_id: str, out: Path) -> Path:
    """A copy of ``route_file`` holding only route ``route_id`` (leaderboard 1.0 has no route subset)."""
    root = ET.parse(route_file).getroot()
    chosen = [route for route in root.iter("route") if route.get("id") == route_id]
    if not chosen:
        raise ValueError(f"{route_file}: no <route id={route_id!r}>")
    single = ET.Element(root.tag, root.attrib)
    single.append(chosen[0])
    ET.ElementTree(single).write(out, encoding="unicode", xml_declaration=True)
    return out
