"""Several servers at once: threads on this machine, Ray actors with (declared) GPUs on a cluster."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from sim.carla.pool import SupervisorSpec, connect_ray, run_on_local_gpus, run_on_ray
from sim.carla.ports import runtime_dir
from sim.carla.process_group import ServerRegistry, group_alive
from sim.eval.infractions import LeaderboardRules
from sim.eval.route_record import RouteStatus
from tests.sim.carla.stand_ins import runs, stand_in_config, stand_in_routes

AGENT = ("/agents/my_agent.py", "")
ROUTE_SECONDS = 0.6  # [s] each stand-in route ticks 30 times, 0.02 s apart


def spec(tmp_path: Path, port_base: int, script: dict, **evaluator) -> SupervisorSpec:
    config = stand_in_config(tmp_path, port_base, script, evaluator=evaluator)
    env = (*config.evaluator.extra_env, ("STAND_IN_TICKS", "30"), ("STAND_IN_TICK_S", "0.02"))
    config = type(config)(server=config.server, evaluator=type(config.evaluator)(**{**config.evaluator.__dict__,
                          "extra_env": env}), max_attempts=config.max_attempts, work_dir=config.work_dir)  # fmt: skip
    return SupervisorSpec(config, AGENT, LeaderboardRules.LB2)


def most_at_once(logged: list[dict]) -> int:
    starts = sorted(run["start"] for run in logged)
    return max(sum(1 for other in starts if start <= other < start + ROUTE_SECONDS) for start in starts)


def test_local_servers_share_the_routes_each_on_its_own_gpu(tmp_path: Path, port_base: int) -> None:
    routes = stand_in_routes(tmp_path, [str(i) for i in range(6)])
    records = list(run_on_local_gpus(routes, spec(tmp_path, port_base, {}), gpus=[0, 1]))
    assert sorted(r.index for r in records) == list(range(6))
    assert all(r.status is RouteStatus.COMPLETED for r in records)
    logged = runs(tmp_path)
    assert {run["adapter"] for run in logged} == {0, 1}
    assert len({run["port"] for run in logged}) == 2, "one server, one port block per GPU"


def test_an_interrupted_run_ends_its_evaluators_and_servers_at_once(tmp_path: Path, port_base: int) -> None:
    routes = stand_in_routes(tmp_path, ["1", "2"])
    records = run_on_local_gpus(routes, spec(tmp_path, port_base, {"2": ["evaluator_hang"]}), gpus=[0, 1])
    assert next(records).route_id == "RouteScenario_1"
    started = time.monotonic()
    records.close()  # what a KeyboardInterrupt in the caller does
    assert time.monotonic() - started < 15
    assert not list((runtime_dir() / "servers").glob("*.json")), "no server or evaluator left behind"


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    connect_ray("local", num_cpus=4, num_gpus=4)  # four declared GPUs: Ray assigns ids 0..3 to the actors
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_ray_actors_each_hold_a_gpu_and_run_routes_side_by_side(ray_cluster, tmp_path: Path, port_base: int) -> None:
    routes = stand_in_routes(tmp_path, [str(i) for i in range(8)])
    records = list(run_on_ray(routes, spec(tmp_path, port_base, {})))
    assert sorted(r.index for r in records) == list(range(8))
    assert all(r.status is RouteStatus.COMPLETED for r in records)
    logged = runs(tmp_path)
    assert {run["adapter"] for run in logged} == {0, 1, 2, 3}
    assert most_at_once(logged) >= 3, "four servers run routes at the same time"


@pytest.mark.slow
def test_a_lost_actor_gives_its_route_back(ray_cluster, tmp_path: Path, port_base: int) -> None:
    routes = stand_in_routes(tmp_path, ["1", "2", "3"])
    records = list(run_on_ray(routes, spec(tmp_path, port_base, {"2": ["kill_supervisor", "ok"]}), servers=2))
    assert sorted(r.route_id for r in records) == ["RouteScenario_1", "RouteScenario_2", "RouteScenario_3"]
    assert all(r.status is RouteStatus.COMPLETED for r in records)
    assert [run["action"] for run in runs(tmp_path) if run["route"] == "2"] == ["kill_supervisor", "ok"]
    registry = ServerRegistry(runtime_dir() / "servers")
    # The lost actor's server and evaluator end here, unless the surviving actor already reaped them.
    orphans = registry.reap_orphans(grace_s=1.0)
    assert not any(group_alive(pgid) for pgid in orphans)
    (lost_port,) = [run["port"] for run in runs(tmp_path) if run["action"] == "kill_supervisor"]
    assert port_is_free(lost_port), f"the lost actor's server still listens on port {lost_port}"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
