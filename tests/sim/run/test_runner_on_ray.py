"""The embedded runner's routes as Ray tasks: the same records as in one process."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from routes.benchmarks import load_benchmark
from sim.run.agent_loading import AgentSpec
from sim.run.benchmark_runner import RunOptions, run_benchmark

AGENT = """
from types import SimpleNamespace

def get_entry_point():
    return "Straight"

class Straight:
    def __init__(self, *args):
        pass
    def setup(self, config):
        pass
    def set_global_plan(self, gps, world):
        pass
    def sensors(self):
        return [{"type": "sensor.speedometer", "id": "speed", "reading_frequency": 20}]
    def run_step(self, input_data, timestamp):
        return SimpleNamespace(throttle=0.6, steer=0.0, brake=0.0, hand_brake=False, reverse=False)
    def destroy(self):
        pass
"""


@pytest.mark.slow
def test_ray_tasks_give_the_records_of_the_local_run(tmp_path: Path, data_dir: Path) -> None:
    ray = pytest.importorskip("ray")
    agent = tmp_path / "straight_agent.py"
    agent.write_text(textwrap.dedent(AGENT))
    benchmark = load_benchmark("langauto-tiny", data_dir, "0,10")
    spec = AgentSpec(str(agent), "")
    local = run_benchmark(benchmark, spec, RunOptions(out_dir=tmp_path / "local", data_dir=str(data_dir)))
    try:
        options = RunOptions(out_dir=tmp_path / "ray", data_dir=str(data_dir), ray_address="local")
        on_ray = run_benchmark(benchmark, spec, options)
    finally:
        ray.shutdown()

    def comparable(payload: dict) -> list[dict]:
        records = json.loads(json.dumps(payload["_checkpoint"]["records"]))
        for record in records:
            record["meta"].pop("duration_system")
        return records

    assert comparable(on_ray) == comparable(local) and len(comparable(local)) == 2
