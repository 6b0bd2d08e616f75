"""Agent files written only against the leaderboard's, scenario_runner's and CARLA's APIs drive a route to its end."""

from __future__ import annotations

from pathlib import Path

import pytest

from routes.benchmarks import load_benchmark
from sim.run.agent_loading import AgentSpec
from sim.run.benchmark_runner import RunOptions, run_benchmark

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agents"


@pytest.mark.parametrize(
    "agent_file",
    [
        "provider_follower_agent.py",  # reads the world through CarlaDataProvider, either constructor
        "bench2drive_style_agent.py",  # Bench2Drive's 2.0 constructor, on a 1.0 benchmark
    ],
)
def test_an_agent_reading_the_world_through_carla_s_api_completes_the_route(tmp_path, data_dir, agent_file):
    options = RunOptions(out_dir=tmp_path / "out", data_dir=str(data_dir))
    benchmark = load_benchmark("langauto-tiny", data_dir, "0")
    payload = run_benchmark(benchmark, AgentSpec(str(FIXTURES / agent_file), "cfg"), options)
    record = payload["_checkpoint"]["records"][0]
    assert record["status"] == "Completed", record
    assert record["scores"]["score_route"] == pytest.approx(100.0)
    assert payload["sensors"] == ["carla_speedometer"]  # as the leaderboard lists it
