"""The lifecycle against a real CARLA server (marked ``carla``: needs CARLA_ROOT and a GPU; skipped by default)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from routes.benchmarks import load_benchmark
from sim.carla.config import EvaluatorConfig, EvaluatorFlavour, ServerConfig, ServerLaunch, SupervisorConfig
from sim.carla.process_group import group_alive
from sim.carla.runner import carla_routes
from sim.carla.server import ServerProcess
from sim.carla.supervisor import RouteSupervisor
from sim.eval.infractions import LeaderboardRules
from sim.run.benchmark_runner import RunOptions, make_jobs

pytestmark = pytest.mark.carla
CARLA_ROOT = os.environ.get("CARLA_ROOT", "")
needs_carla = pytest.mark.skipif(not (Path(CARLA_ROOT) / "CarlaUE4.sh").is_file(), reason="CARLA_ROOT not set")


@needs_carla
def test_a_real_server_starts_ticks_and_stops_with_its_group(tmp_path: Path) -> None:
    server = ServerProcess(ServerConfig(launch=ServerLaunch.LOCAL, runtime_dir=str(tmp_path)), 0, tmp_path)
    server.start()
    try:
        assert server.probe.version(10.0).startswith("0.9")
        first = server.probe.frame(10.0)
        time.sleep(2.0)
        assert server.probe.frame(10.0) > first, "an asynchronous server ticks on its own"
    finally:
        pgid = server.pid
        server.stop()
    assert not group_alive(pgid)


@needs_carla
@pytest.mark.skipif(not os.environ.get("BENCH2DRIVE_ROOT"), reason="BENCH2DRIVE_ROOT (the checkout) not set")
def test_bench2drive_runs_one_route_under_the_supervisor(tmp_path: Path, data_dir: Path) -> None:
    root = Path(os.environ["BENCH2DRIVE_ROOT"])
    evaluator = EvaluatorConfig(flavour=EvaluatorFlavour.BENCH2DRIVE, leaderboard_root=str(root / "leaderboard"),
                                scenario_runner_root=str(root / "scenario_runner"),
                                python=os.environ.get("EVALUATOR_PYTHON"))  # fmt: skip
    config = SupervisorConfig(server=ServerConfig(runtime_dir=str(tmp_path)), evaluator=evaluator,
                              work_dir=str(tmp_path / "work"))  # fmt: skip
    benchmark = load_benchmark("bench2drive-mini", data_dir, None)
    (route, *_) = carla_routes(make_jobs(benchmark, RunOptions(tmp_path)), benchmark, str(data_dir))
    agent = str(Path(__file__).resolve().parents[3] / "agents" / "leaderboard_agent.py")
    supervisor = RouteSupervisor(config, 0, (agent, "expert"), LeaderboardRules.BENCH2DRIVE)
    try:
        record = supervisor.run_route(route)
    finally:
        supervisor.close()
    assert record.extra.get("evaluator_status"), record.error
