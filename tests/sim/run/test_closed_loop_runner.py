"""The closed-loop runner: agent lifecycles, failure statuses, results written after every route, resume,
seeds that follow the route, and file names that stay inside the results folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from routes.benchmarks import load_benchmark
from sim.run.agent_loading import AgentSpec
from sim.run.benchmark_runner import RunOptions, make_jobs, route_seed, run_benchmark

REPO = Path(__file__).resolve().parents[3]

AGENT_TEMPLATE = """
import json, math, os, time
from types import SimpleNamespace

def get_entry_point():
    return "TestAgent"

class TestAgent:
    def __init__(self, *args):
        self.calls = []
        if len(args) == 1:  # leaderboard 1.0: the base constructor calls setup
            self.setup(args[0])

    def setup(self, config):
        self.config = config
        self.calls.append("setup")

    def set_global_plan(self, gps, world):
        assert len(gps) == len(world) > 10, "the runner hands over the dense plan"
        self.calls.append("plan")

    def sensors(self):
        return SENSORS

    def run_step(self, input_data, timestamp):
        assert timestamp >= 0.0 and "speed" in input_data
        MODE
        return SimpleNamespace(throttle=1.0, steer=0.0, brake=0.0, hand_brake=False, reverse=False)

    def destroy(self):
        with open(os.environ["DESTROY_LOG"], "a") as log:
            log.write(json.dumps(self.calls) + "\\n")
"""
SPEED = '[{"type": "sensor.speedometer", "id": "speed", "reading_frequency": 20}]'


def write_agent(tmp_path: Path, mode: str = "pass", sensors: str = SPEED) -> Path:
    path = tmp_path / "test_agent.py"
    source = textwrap.dedent(AGENT_TEMPLATE).replace("MODE", mode).replace("SENSORS", sensors)
    path.write_text(source)
    return path


def run(tmp_path: Path, agent: Path, data_dir: Path, routes: str = "0", bench: str = "langauto-tiny") -> dict:
    options = RunOptions(out_dir=tmp_path / "out", data_dir=str(data_dir))
    return run_benchmark(load_benchmark(bench, data_dir, routes), AgentSpec(str(agent), "cfg"), options)


@pytest.fixture(autouse=True)
def destroy_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "destroyed.log"
    monkeypatch.setenv("DESTROY_LOG", str(log))
    return log


def test_full_throttle_straight_deviates_and_the_record_is_written(tmp_path, data_dir, destroy_log) -> None:
    payload = run(tmp_path, write_agent(tmp_path), data_dir)
    record = payload["_checkpoint"]["records"][0]
    assert record["status"] in ("Failed - Agent deviated from the route", "Failed")
    assert 0.0 < record["scores"]["score_route"] < 100.0
    # leaderboard 1.0: a status naming the agent gives "Finished with agent errors", still eligible
    expected = "Finished with agent errors" if "Agent" in record["status"] else "Finished"
    assert (payload["entry_status"], payload["eligible"]) == (expected, True)
    assert payload["_checkpoint"]["progress"] == [1, 1] and payload["sensors"] == ["carla_speedometer"]
    assert json.loads((tmp_path / "out" / "results.json").read_text()) == payload
    assert json.loads(destroy_log.read_text()) == ["setup", "plan"]  # LB1: setup in the constructor, then the plan


def test_lb2_lifecycle_plans_before_setup(tmp_path, data_dir, destroy_log) -> None:
    run(tmp_path, write_agent(tmp_path), data_dir, routes="25378", bench="bench2drive")
    assert json.loads(destroy_log.read_text()) == ["plan", "setup"]


@pytest.mark.parametrize(
    "mode,status",
    [
        ('raise RuntimeError("boom")', "Failed - Agent crashed"),
        (
            "return SimpleNamespace(throttle=math.nan, steer=0.0, brake=0.0, hand_brake=False, reverse=False)",
            "Failed - Agent crashed",
        ),
    ],
)
def test_agent_failures_end_the_route_with_a_status_and_destroy(tmp_path, data_dir, destroy_log, mode, status) -> None:
    record = run(tmp_path, write_agent(tmp_path, mode), data_dir)["_checkpoint"]["records"][0]
    assert record["status"] == status and record["meta"]["error"]
    assert destroy_log.read_text().strip(), "destroy() runs after an agent exception too"


def test_invalid_sensors_are_reported(tmp_path, data_dir) -> None:
    sensors = (
        '[{"type": "sensor.camera.rgb", "id": "cam", "x": 5.0, "y": 0, "z": 2, "width": 8, "height": 8, "fov": 90}]'
    )
    record = run(tmp_path, write_agent(tmp_path, sensors=sensors), data_dir)["_checkpoint"]["records"][0]
    assert record["status"] == "Failed - Agent's sensors were invalid" and "cam" in record["meta"]["error"]


def test_a_killed_run_resumes_without_redoing_finished_routes(tmp_path, data_dir) -> None:
    agent = write_agent(tmp_path, mode="time.sleep(0.002)")
    out = tmp_path / "killed"
    command = [sys.executable, str(REPO / "run_closed_loop.py"), "--agent", str(agent), "--bench", "langauto-tiny",
               "--route-ids", "0,10,12,20", "--out", str(out), "--data-dir", str(data_dir)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = out / "results.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if results.exists() and json.loads(results.read_text())["_checkpoint"]["progress"][0] >= 1:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = json.loads(results.read_text())["_checkpoint"]["records"]
    assert 1 <= len(before) < 4, "the run was killed mid-benchmark with finished routes on disk"
    finished = subprocess.run([*command, "--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    after = json.loads(results.read_text())
    records = after["_checkpoint"]["records"]
    assert [r["index"] for r in records] == [0, 1, 2, 3] and after["entry_status"].startswith("Finished")
    assert records[: len(before)] == before, "finished routes are neither redone nor lost"
    assert "langauto-tiny" in finished.stdout


def test_scenario_outcomes_reach_the_criteria_once(monkeypatch) -> None:
    from types import SimpleNamespace

    from sim.run.observers import ScenarioReporter
    from sim.world.scenario_base import ScenarioStatus

    calls = []
    criteria = SimpleNamespace(
        scenario_timeout=lambda name, t, loc: calls.append(("timeout", name)),
        failed_to_yield=lambda t, loc: calls.append(("yield", t)),
    )
    states = [
        SimpleNamespace(name="Accident_1", type="Accident", status=ScenarioStatus.TIMED_OUT),
        SimpleNamespace(name="Yield_1", type="YieldToEmergencyVehicle", status=ScenarioStatus.DONE),
        SimpleNamespace(name="Yield_2", type="YieldToEmergencyVehicle", status=ScenarioStatus.DONE),
        SimpleNamespace(name="Cut_1", type="ParkingCutIn", status=ScenarioStatus.ACTIVE),
    ]
    world = SimpleNamespace(
        time=12.0,
        context=SimpleNamespace(ego_xy=np.zeros(2)),
        scenario_states=lambda: states,
        emergency_vehicle_behind=lambda name: name == "Yield_1",
    )
    reporter = ScenarioReporter(criteria)
    reporter.after_tick(world)
    reporter.after_tick(world)
    assert calls == [("timeout", "Accident_1"), ("yield", 12.0)]


def test_a_route_id_never_writes_outside_the_results_folder(tmp_path, data_dir) -> None:
    """Also: the video and the rerun recording are written by the supervised worker that drove the route."""
    source = (data_dir / "routes" / "langauto" / "benchmark_tiny.xml").read_text()
    start = source.index('<route id="0"')
    route = source[start : source.index("</route>", start) + len("</route>")].replace('id="0"', 'id="../../.."', 1)
    evil = tmp_path / "deep" / "er" / "evil.xml"
    evil.parent.mkdir(parents=True)
    evil.write_text(f"<routes>{route}</routes>")
    out = tmp_path / "deep" / "er" / "out"
    options = RunOptions(out_dir=out, data_dir=str(data_dir), save_video=True, record=True)
    payload = run_benchmark(load_benchmark(str(evil), data_dir), AgentSpec(str(write_agent(tmp_path)), "cfg"), options)
    assert payload["_checkpoint"]["records"][0]["route_id"] == "RouteScenario_../../.."
    videos = list((out / "videos").iterdir())
    assert len(videos) == 1 and videos[0].suffix == ".mp4" and videos[0].stat().st_size > 0
    assert sorted(p.name for p in tmp_path.rglob("*.mp4")) == [videos[0].name], "no video anywhere else"
    recordings = list((out / "recordings").iterdir())
    assert [p.stem for p in recordings] == [videos[0].stem] and recordings[0].stat().st_size > 0
    assert sorted(p.name for p in tmp_path.rglob("*.rrd")) == [recordings[0].name], "no recording anywhere else"


def test_a_routes_seed_follows_its_id_and_repetition_not_its_position(data_dir) -> None:
    tiny = load_benchmark("langauto-tiny", data_dir)
    options = RunOptions(out_dir=Path("unused"), repetitions=2, seed=7)
    seeds = {(job.route.route_id, job.repetition): job.seed for job in make_jobs(tiny, options)}
    alone = make_jobs(load_benchmark("langauto-tiny", data_dir, "20"), options)
    assert [(job.index, job.seed) for job in alone] == [(0, seeds["20", 0]), (1, seeds["20", 1])]
    assert seeds["20", 0] == route_seed(7, "20", 0) != seeds["20", 1] != route_seed(8, "20", 1)
    assert len(set(seeds.values())) == len(seeds)


@pytest.mark.slow
def test_route_20_alone_drives_exactly_as_inside_a_larger_run(tmp_path, data_dir) -> None:
    agent = AgentSpec(str(REPO / "agents" / "leaderboard_agent.py"), "expert")  # reacts to the seeded traffic

    def records(routes: str) -> dict:
        options = RunOptions(out_dir=tmp_path / routes.replace(",", "_"), data_dir=str(data_dir), isolate=False)
        payload = run_benchmark(load_benchmark("langauto-tiny", data_dir, routes), agent, options)
        return {r["route_id"]: r for r in payload["_checkpoint"]["records"]}

    inside, alone = records("10,20")["RouteScenario_20"], records("20")["RouteScenario_20"]
    for record in (inside, alone):
        record.pop("index")
        record["meta"].pop("duration_system")
    assert inside == alone
