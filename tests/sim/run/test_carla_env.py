"""The CARLA environment of an agent file: stand-in modules only while it lives, never over a real installation,
CarlaDataProvider serving the facade, CARLA's RoadOption values, and the lifecycle read from the agent class."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from routes.benchmarks import load_benchmark
from routes.route_types import LeaderboardVersion
from sim.eval.infractions import LeaderboardRules
from sim.maps.route_planner import plan_route
from sim.maps.town import load_town
from sim.run.agent_loading import AgentSetupError, AgentSpec, Lifecycle, agent_lifecycle, build_agent
from sim.run.carla_env.finder import carla_road_option
from sim.run.carla_env.install import leaderboard_environment
from sim.world.facade import HERO_ID, FacadeWorld
from sim.world.world import World

AGENT_BASE = "leaderboard.autoagents.autonomous_agent"
PROVIDER = "srunner.scenariomanager.carla_data_provider"
CARLA_ROAD_OPTIONS = {"VOID": -1, "LEFT": 1, "RIGHT": 2, "STRAIGHT": 3, "LANEFOLLOW": 4, "CHANGELANELEFT": 5,
                      "CHANGELANERIGHT": 6}  # fmt: skip


def installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


def foreign_modules() -> set[str]:
    return {name for name in sys.modules if name.split(".")[0] in ("leaderboard", "srunner")}


@pytest.fixture(scope="module")
def facade(data_dir):
    description = load_benchmark("langauto-tiny", data_dir, "0").routes[0]
    network = load_town(description.town, data_dir)
    world = World(network, plan_route(network, description.keypoints), seed=0)
    return FacadeWorld(world, LeaderboardVersion.LB1, str(data_dir))


@pytest.mark.skipif(installed("leaderboard") or installed("srunner"), reason="a real leaderboard is installed")
def test_stand_ins_live_only_as_long_as_the_agent_and_serve_the_facade(facade):
    with pytest.raises(ImportError):
        importlib.import_module(AGENT_BASE)
    before = foreign_modules()
    with leaderboard_environment(facade, LeaderboardRules.LB1):
        base = importlib.import_module(AGENT_BASE)
        provider = importlib.import_module(PROVIDER).CarlaDataProvider
        assert provider.get_world() is facade and provider.get_hero_actor().id == HERO_ID
        assert provider.get_map().name.endswith("Town01")
        assert {actor_id for actor_id, _ in provider.get_actors()} >= {HERO_ID}  # scenario_runner: (id, actor)
        timer = importlib.import_module("srunner.scenariomanager.timer").GameTime
        assert timer.get_frame() == facade.get_snapshot().frame
        agent = base.AutonomousAgent("config")  # leaderboard 1.0: the constructor calls setup
        assert agent.track is base.Track.SENSORS
    assert foreign_modules() == before  # what the finder served is gone (other tests' modules stay)
    with pytest.raises(ImportError):
        importlib.import_module(AGENT_BASE)


def test_a_real_installation_is_never_shadowed(facade, tmp_path, monkeypatch):
    package = tmp_path / "leaderboard"
    (package / "autoagents").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "autoagents" / "__init__.py").write_text("")
    (package / "autoagents" / "autonomous_agent.py").write_text("REAL = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with leaderboard_environment(facade, LeaderboardRules.LB1):
            assert importlib.import_module(AGENT_BASE).REAL
            with pytest.raises(ImportError):  # the real package lacks it: not ours to add
                importlib.import_module("leaderboard.utils.route_manipulation")
    finally:
        for name in [n for n in sys.modules if n == "leaderboard" or n.startswith("leaderboard.")]:
            del sys.modules[name]


def test_the_global_plan_carries_carla_s_road_option_values(facade):
    with leaderboard_environment(facade, LeaderboardRules.LB1):
        option = carla_road_option()
        assert {member.name: member.value for member in option} == CARLA_ROAD_OPTIONS
        local_planner = importlib.import_module("agents.navigation.local_planner")
        assert local_planner.RoadOption is option


class LB1Agent:
    def __init__(self, path_to_conf_file): ...


class LB2Agent:
    def __init__(self, carla_host, carla_port, debug=False): ...


class EitherAgent:
    def __init__(self, *args): ...


class GarageAgent:
    def __init__(self, path_to_conf_file, route_index=None): ...


class NoArgumentAgent:
    def __init__(self): ...


class TwoArgumentAgent:
    def __init__(self, config, checkpoint): ...


@pytest.mark.parametrize(
    ("agent_class", "version", "lifecycle"),
    [
        (LB1Agent, LeaderboardVersion.LB2, Lifecycle.LB1),  # a 1.0 agent on a 2.0 benchmark
        (LB2Agent, LeaderboardVersion.LB1, Lifecycle.LB2),  # and vice versa
        (EitherAgent, LeaderboardVersion.LB1, Lifecycle.LB1),
        (EitherAgent, LeaderboardVersion.LB2, Lifecycle.LB2),
        (GarageAgent, LeaderboardVersion.LB2, Lifecycle.GARAGE_LOCAL),
    ],
)
def test_the_lifecycle_comes_from_the_constructor(agent_class, version, lifecycle):
    assert agent_lifecycle(agent_class, version) is lifecycle


@pytest.mark.parametrize(
    ("agent_class", "signature"), [(NoArgumentAgent, "()"), (TwoArgumentAgent, "(config, checkpoint)")]
)
def test_a_constructor_of_neither_leaderboard_is_refused_by_name(agent_class, signature):
    with pytest.raises(AgentSetupError, match=f"{agent_class.__name__}{re.escape(signature)}.*neither"):
        agent_lifecycle(agent_class, LeaderboardVersion.LB1)


def test_fixture_agent_files_import_only_what_an_evaluator_offers():
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "agents"
    for path in fixtures.glob("*.py"):
        source = path.read_text()
        assert "from sim" not in source and "from agents." not in source.replace("from agents.navigation", ""), path


GARAGE_AGENT = """
CALLS = []

def get_entry_point():
    return "Garage"

class Base:
    def __init__(self, path_to_conf_file, route_index=None):
        CALLS.append(("init", path_to_conf_file, route_index))
        SETUP_IN_INIT

    def set_global_plan(self, gps, world):
        CALLS.append(("plan", len(gps)))

class Garage(Base):
    def setup(SETUP_ARGS):
        CALLS.append(("setup",) + tuple(a for a in (path_to_conf_file, route_index) if a is not None))
"""


@pytest.mark.parametrize(
    ("setup_in_init", "setup_args", "expected"),
    [  # carla_garage's 1.0 base calls setup itself; PDM-Lite's 2.0 evaluator calls it with the traffic manager
        ("self.setup(path_to_conf_file, route_index)", "self, path_to_conf_file, route_index=None",
         [("init", "cfg", "RouteScenario_3"), ("setup", "cfg", "RouteScenario_3"), ("plan", 2)]),
        ("pass", "self, path_to_conf_file, route_index=None, traffic_manager=None",
         [("init", "cfg", "RouteScenario_3"), ("plan", 2), ("setup", "cfg", "RouteScenario_3")]),
    ],
)  # fmt: skip
def test_carla_garage_s_local_lifecycles(tmp_path, setup_in_init, setup_args, expected):
    path = tmp_path / "garage_agent.py"
    path.write_text(GARAGE_AGENT.replace("SETUP_IN_INIT", setup_in_init).replace("SETUP_ARGS", setup_args))
    agent = build_agent(AgentSpec(str(path), "cfg"), LeaderboardVersion.LB2, ([1, 2], [1, 2]),
                        route_index="RouteScenario_3", traffic_manager=object())  # fmt: skip
    assert sys.modules["garage_agent"].CALLS == expected and type(agent).__name__ == "Garage"
