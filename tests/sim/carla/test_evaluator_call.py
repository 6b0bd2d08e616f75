"""The evaluator's command line per checkout, the single-route file, and Bench2Drive's connect-only entry."""

from __future__ import annotations

import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sim.carla import bench2drive_entry
from sim.carla.config import EvaluatorConfig, EvaluatorFlavour
from sim.carla.evaluator import evaluator_call, write_single_route
from sim.carla.ports import PortBlock
from tests.sim.carla.stand_ins import stand_in_routes

PORTS = PortBlock(rpc=30150, traffic_manager=50150)


def call_for(flavour: EvaluatorFlavour, tmp_path: Path):
    route = stand_in_routes(tmp_path, ["1", "42"])[1]
    config = EvaluatorConfig(flavour=flavour, leaderboard_root=str(tmp_path / "lb" / "leaderboard"),
                             scenario_runner_root="/sr", carla_pythonapi="/carla/PythonAPI/carla")  # fmt: skip
    return evaluator_call(config, ("/a/agent.py", "cfg.yaml"), route, "127.0.0.1", PORTS, 2, tmp_path / "attempt1")


def test_bench2drive_runs_through_the_connect_only_entry_on_our_ports(tmp_path: Path) -> None:
    call = call_for(EvaluatorFlavour.BENCH2DRIVE, tmp_path)
    assert call.argv[1:3] == ("-m", "sim.carla.bench2drive_entry")
    checkpoint = tmp_path / "attempt1" / "checkpoint.json"
    for arg in ("--port=30150", "--traffic-manager-port=50150", "--routes-subset=42", "--gpu-rank=-1",
                f"--debug-checkpoint={tmp_path / 'attempt1' / 'live_results.txt'}",
                "--agent=/a/agent.py", "--agent-config=cfg.yaml", f"--checkpoint={checkpoint}"):  # fmt: skip
        assert arg in call.argv
    assert call.cwd == str(tmp_path / "lb"), "Bench2Drive reads leaderboard/data/weather.xml from the checkout root"
    assert call.env["CUDA_VISIBLE_DEVICES"] == "2"
    paths = call.env["PYTHONPATH"].split(":")
    assert {str(tmp_path / "lb" / "leaderboard"), "/sr", "/carla/PythonAPI/carla"} <= set(paths)


def test_leaderboard1_gets_a_file_with_only_its_route_and_camel_case_ports(tmp_path: Path) -> None:
    call = call_for(EvaluatorFlavour.LANGAUTO, tmp_path)
    assert call.argv[1] == str(tmp_path / "lb" / "leaderboard" / "leaderboard" / "leaderboard_evaluator.py")
    assert "--trafficManagerPort=50150" in call.argv and not any("subset" in a for a in call.argv)
    routes = next(a.split("=", 1)[1] for a in call.argv if a.startswith("--routes="))
    assert [r.get("id") for r in ET.parse(routes).getroot().iter("route")] == ["42"]


def test_a_missing_route_is_named(tmp_path: Path) -> None:
    (route,) = stand_in_routes(tmp_path, ["1"])
    with pytest.raises(ValueError, match="no <route id='9'>"):
        write_single_route(Path(route.route_file), "9", tmp_path / "one.xml")


def test_the_bench2drive_entry_connects_instead_of_launching(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    class Client:
        def __init__(self, host, port):
            calls.append(("client", host, port))

        def set_timeout(self, seconds):
            calls.append(("timeout", seconds))

        def get_world(self):
            return types.SimpleNamespace(apply_settings=lambda s: calls.append(("settings", s.kwargs)))

        def get_trafficmanager(self, port):
            return types.SimpleNamespace(set_synchronous_mode=lambda v: calls.append(("tm sync", port, v)),
                                         set_hybrid_physics_mode=lambda v: calls.append(("tm hybrid", v)))  # fmt: skip

    fake_carla = types.SimpleNamespace(Client=Client, WorldSettings=lambda **kw: types.SimpleNamespace(kwargs=kw))
    evaluator_class = type("LeaderboardEvaluator", (), {"client_timeout": 300.0, "frame_rate": 20.0})
    module = types.SimpleNamespace(LeaderboardEvaluator=evaluator_class, main=lambda: calls.append(("main",)))
    monkeypatch.setitem(sys.modules, "carla", fake_carla)
    monkeypatch.setitem(sys.modules, "leaderboard", types.SimpleNamespace(leaderboard_evaluator=module))
    monkeypatch.setitem(sys.modules, "leaderboard.leaderboard_evaluator", module)
    bench2drive_entry.main()
    assert calls == [("main",)]
    args = types.SimpleNamespace(host="127.0.0.1", port=30150, timeout=600.0, traffic_manager_port=50150)
    client, timeout, _ = evaluator_class._setup_simulation(evaluator_class(), args)
    settings = dict(
        synchronous_mode=True, fixed_delta_seconds=0.05, deterministic_ragdolls=True, spectator_as_ego=False
    )
    assert calls[1:] == [("client", "127.0.0.1", 30150), ("timeout", 600.0), ("settings", settings),
                         ("tm sync", 50150, True), ("tm hybrid", True)]  # fmt: skip
    assert timeout == 600.0
