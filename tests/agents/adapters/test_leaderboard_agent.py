"""The generic leaderboard agent: both lifecycles, GPS route, sensors, selection, bad input."""

from __future__ import annotations

import logging
import math
import subprocess
import sys
from pathlib import Path

import carla
import numpy as np
import pytest

from agents.adapters import leaderboard_io
from agents.adapters.leaderboard_agent import AgentConfig, PlannerAgent, get_entry_point, load_agent_config
from agents.base import Plan, RoadOption
from sim.frames import GeoReference, compass_from_internal_heading, internal_to_carla_xy
from sim.run.carla_env.route_manipulation import downsample_route
from sim.types import TrajectorySampling

ROOT = Path(__file__).resolve().parents[3]
GEO = GeoReference(lat_ref=41.5, lon_ref=2.1)  # a Town11-like reference: the 111 km/deg shortcut fails here


def straight_route(length: int = 200) -> tuple[list, list]:
    """A route along internal +x (CARLA +x), 1 m apart, as the leaderboard hands it over."""
    internal = np.stack([np.arange(length, dtype=float), np.zeros(length)], axis=-1)
    carla_xy = internal_to_carla_xy(internal)
    gps = GEO.carla_to_gps(np.concatenate([carla_xy, np.zeros((length, 1))], axis=-1))
    world = [(carla.Transform(carla.Location(x=x, y=y, z=0.0)), RoadOption.LANEFOLLOW) for x, y in carla_xy]
    gps_plan = [({"lat": la, "lon": lo, "z": 0.0}, RoadOption.LANEFOLLOW) for la, lo, _ in gps]
    return gps_plan, world


def input_data(x: float, y: float, heading: float, speed: float, extra: dict | None = None) -> dict:
    carla_xy = internal_to_carla_xy(np.array([x, y]))
    gnss = GEO.carla_to_gps(np.array([carla_xy[0], carla_xy[1], 0.0]))
    imu = np.array([0.0, 0.0, 9.81, 0.0, 0.0, 0.0, float(compass_from_internal_heading(heading))])
    data = {"gps": (1, gnss), "imu": (1, imu), "speed": (1, {"speed": speed})}
    data.update(extra or {})
    return data


def test_entry_point_names_the_class() -> None:
    assert get_entry_point() == "PlannerAgent"


def test_lb1_lifecycle_setup_in_constructor_then_plan() -> None:
    agent = PlannerAgent("constant_velocity")  # LB1: the base calls setup
    assert agent.config.planner == "constant_velocity" and agent.track.name == "SENSORS"
    agent.set_global_plan(*reversed(straight_route()[::-1]))
    control = agent.run_step(input_data(0.0, 0.0, 0.0, 5.0), 0.05)
    assert hasattr(control, "steer") and abs(control.steer) < 1e-6 and control.brake == 0.0
    ids = {s["id"] for s in agent.sensors()}
    assert {"gps", "imu", "speed"} <= ids


def test_lb2_lifecycle_plan_then_setup_with_bench2drive_suffix(tmp_path: Path) -> None:
    config = tmp_path / "agent.yaml"
    config.write_text("planner: constant_velocity\ncontrol: transfuser_pp\nwarmup_ticks: 2\n")
    agent = PlannerAgent("localhost", 2000, False)  # LB2: no setup yet
    assert not hasattr(agent, "config")
    agent.set_global_plan(*straight_route())
    agent.setup(f"{config}+RouteScenario_3_rep0_Town11_Accident_1_w1_07_01")
    assert agent.save_name.startswith("RouteScenario_3") and agent.config.control == "transfuser_pp"
    first = agent.step(input_data(0.0, 0.0, 0.0, 5.0), 0.05)
    assert first.brake == 1.0  # warm-up
    agent.step(input_data(0.25, 0.0, 0.0, 5.0), 0.10)
    third = agent.step(input_data(0.5, 0.0, 0.0, 5.0), 0.15)
    assert third.brake == 0.0


def test_global_plan_is_downsampled_with_the_leaderboard_rule() -> None:
    agent = PlannerAgent("constant_velocity")
    gps, world = straight_route(200)
    agent.set_global_plan(gps, world)
    kept = downsample_route(world, 50.0)
    assert (
        kept[0] == 0 and kept[-1] == 199 and all(40 < b - a <= 52 for a, b in zip(kept[:-2], kept[1:-1], strict=True))
    )
    assert len(agent._global_plan) == len(kept) and len(agent._dense_gps) == 200
    changes = [(p, RoadOption.LANEFOLLOW) for p, _ in world[:5]] + [(world[5][0], RoadOption.CHANGELANELEFT)]
    assert downsample_route(changes, 50.0) == [0, 5]


class RecordingPlanner:
    """Returns proposals (one swerving, one straight) and remembers what it saw."""

    def __init__(self, nan: bool = False) -> None:
        self.seen: list = []
        self.nan = nan

    def sensors(self) -> list[dict]:
        return [{"type": "sensor.camera.rgb", "id": "rgb_front", "x": 1.3, "y": 0.0, "z": 2.3, "width": 8, "height": 4}]

    def reset(self) -> None:
        self.seen.clear()

    def plan(self, obs):  # noqa: ANN001, ANN201
        self.seen.append(obs)
        sampling = TrajectorySampling(8, 0.5)
        t = 0.5 * np.arange(1, 9)
        straight = np.stack([5 * t, 0 * t, 0 * t], -1)
        if self.nan:
            return Plan(np.full((8, 3), np.nan), sampling)
        swerve = np.stack([5 * t, 0.3 * t**2, 0.1 * t], -1)
        scores = np.array([0.5, 0.9]) if len(self.seen) == 1 else np.array([0.8, 0.8])  # then a tie
        return Plan(straight, sampling, proposals=np.stack([swerve, straight]), scores=scores, chosen=1)


class RecordingAgent(PlannerAgent):
    def build_planner(self, config: AgentConfig):  # noqa: ANN201
        return RecordingPlanner(nan=config.planner == "nan")


def camera() -> dict:
    bgra = np.zeros((4, 8, 4), dtype=np.uint8)
    bgra[..., 2] = 200  # red in BGRA
    return {"rgb_front": (1, bgra)}


def test_observation_has_rgb_images_local_route_and_target() -> None:
    agent = RecordingAgent("constant_velocity")
    agent.set_global_plan(*straight_route())
    agent.step(input_data(10.0, 0.0, 0.0, 5.0, camera()), 0.05)
    obs = agent.planner.seen[-1]
    assert obs.images["rgb_front"].shape == (4, 8, 3) and obs.images["rgb_front"][0, 0, 0] == 200
    assert np.allclose(obs.ego_pose[:2], [10.0, 0.0], atol=1e-6) and abs(obs.ego_pose[2]) < 1e-9
    assert 0.0 < obs.target_point[0] <= 55.0 and abs(obs.target_point[1]) < 1e-6
    assert obs.route.shape[1] == 2 and np.all(np.abs(obs.route[:, 1]) < 1e-6) and obs.route[-1, 0] > 50.0
    assert obs.command == RoadOption.LANEFOLLOW


def test_route_in_a_rotated_ego_frame() -> None:
    agent = RecordingAgent("constant_velocity")
    agent.set_global_plan(*straight_route())
    agent.step(input_data(10.0, 0.0, math.pi / 2, 1.0, camera()), 0.05)  # facing north: the route is to the right
    obs = agent.planner.seen[-1]
    assert obs.target_point[1] < -1.0 and abs(obs.target_point[0]) < 1e-6


def test_selection_prefers_the_continuation_over_steps() -> None:
    agent = RecordingAgent("constant_velocity")
    agent.set_global_plan(*straight_route())
    for k in range(3):
        agent.step(input_data(2.5 * k, 0.0, 0.0, 5.0, camera()), 0.5 * k)
    assert agent.last_plan.chosen == 1  # tie broken by comfort against the previous choice


def test_missing_sensor_names_it() -> None:
    agent = RecordingAgent("constant_velocity")
    agent.set_global_plan(*straight_route())
    with pytest.raises(leaderboard_io.MissingSensorError, match="rgb_front"):
        agent.step(input_data(0.0, 0.0, 0.0, 5.0), 0.05)
    data = input_data(0.0, 0.0, 0.0, 5.0, camera())
    del data["imu"]
    with pytest.raises(leaderboard_io.MissingSensorError, match="imu"):
        agent.step(data, 0.10)


def test_nan_trajectory_brakes_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    agent = RecordingAgent("nan")
    agent.set_global_plan(*straight_route())
    with caplog.at_level(logging.WARNING, logger="agents.adapters.leaderboard_agent"):
        command = agent.step(input_data(0.0, 0.0, 0.0, 5.0, camera()), 0.05)
    assert command.brake == 1.0 and command.throttle == 0.0 and "NaN" in caplog.text


@pytest.mark.parametrize("lat_ref, lon_ref", [(41.500588, 2.111878), (0.0, 0.0), (42.0, 2.0)])
def test_geo_reference_is_solved_from_one_gps_world_pair(lat_ref: float, lon_ref: float) -> None:
    geo = GeoReference(lat_ref, lon_ref)
    lat, lon, _ = geo.carla_to_gps(np.array([312.0, -1250.0, 0.0]))
    solved = leaderboard_io.solve_geo_reference(lat, lon, 312.0, -1250.0)
    assert solved.lat_ref == pytest.approx(lat_ref, abs=1e-9) and solved.lon_ref == pytest.approx(lon_ref, abs=1e-9)
    back = solved.gps_to_carla(geo.carla_to_gps(np.array([1000.0, 500.0, 0.0])))
    assert np.allclose(back[:2], [1000.0, 500.0], atol=1e-4)


def test_langauto_instructions_reach_the_planner(tmp_path: Path, data_dir: Path) -> None:
    config = tmp_path / "langauto.yaml"
    config.write_text("instructions: true\ninstruction_seed: 4\n")
    agent = RecordingAgent(str(config))
    agent.set_global_plan(*straight_route())
    agent.step(input_data(0.0, 0.0, 0.0, 0.0, camera()), 0.05)
    assert agent.planner.seen[-1].instruction  # "Please commence driving." in some wording


def test_agent_config_yaml_and_planner_name() -> None:
    assert load_agent_config("constant_velocity").planner == "constant_velocity"
    loaded = load_agent_config(str(ROOT / "agents/configs/leaderboard_agent.yaml"))
    assert loaded.warmup_ticks == 20 and loaded.plan_every == 2


def test_lmgendrive_runs_as_lmdrive_s_agent_unless_a_yaml_says_otherwise(tmp_path) -> None:
    default = load_agent_config("lmgendrive")
    assert (default.instructions, default.warmup_ticks, default.plan_every) == (True, 20, 2)
    assert load_agent_config("constant_velocity").instructions is False
    override = tmp_path / "mine.yaml"
    override.write_text("planner: lmgendrive\ninstructions: false\n")
    mine = load_agent_config(str(override))
    assert (mine.instructions, mine.warmup_ticks) == (False, 20)


NAVIGATION = "class RoadOption:\n    LEFT = 1\n"
PROBE = """
import sys
sys.path[:0] = {paths!r}
import agents.navigation.local_planner as lp
{then}
import agents.base, agents.adapters.leaderboard_io
assert lp.RoadOption.LEFT == 1
import agents.navigation.local_planner
print("ok")
"""


@pytest.mark.parametrize("carla_first", [True, False])
@pytest.mark.parametrize("how", ["package", "by_stem"])
def test_carla_agents_navigation_coexists_with_ours(
    tmp_path: Path, carla_first: bool, how: str, request: pytest.FixtureRequest
) -> None:
    if carla_first and how == "package":
        # CARLA's agents/__init__.py runs instead of ours and does not extend its path: a plain
        # ``import agents.base`` cannot work. Importing leaderboard_agent first (by_stem) fixes it.
        request.applymarker(pytest.mark.xfail(strict=True, reason="CARLA's agents package first on sys.path"))
    carla_api = tmp_path / "PythonAPI" / "carla"
    (carla_api / "agents" / "navigation").mkdir(parents=True)
    (carla_api / "agents" / "__init__.py").write_text("")  # CARLA's: no extend_path
    (carla_api / "agents" / "navigation" / "__init__.py").write_text("")
    (carla_api / "agents" / "navigation" / "local_planner.py").write_text(NAVIGATION)
    paths = [str(carla_api), str(ROOT)] if carla_first else [str(ROOT), str(carla_api)]
    # "by_stem": the leaderboard puts agents/ on sys.path and imports the agent file by its stem
    then = "sys.path.insert(0, {!r}); import leaderboard_agent".format(str(ROOT / "agents")) if how == "by_stem" else ""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(paths=paths, then=then)], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-2000:]


def test_the_entry_file_at_the_old_path_hands_over_the_agent() -> None:
    """``agents/leaderboard_agent.py`` is what users give the evaluator: it must name and hold the class."""
    from sim.run.agent_loading import load_agent_class

    assert load_agent_class(str(ROOT / "agents" / "leaderboard_agent.py")) is PlannerAgent
