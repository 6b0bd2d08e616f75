"""The command line refuses bad input before the first route (exit 2), and says the truth when interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import run_closed_loop

REPO = Path(__file__).resolve().parents[1]
TINY_ROUTE = """<routes><route id="{id}" town="Town01">
<waypoint x="338.7" y="226.8" z="0.0"/><waypoint x="321.9" y="133.1" z="0.0"/>
</route></routes>"""


def main(tmp_path: Path, *args: str) -> int:
    return run_closed_loop.main(["--out", str(tmp_path / "out"), *args])


@pytest.mark.parametrize(
    "option,value", [("--workers", "0"), ("--workers", "-1"), ("--repetitions", "0"), ("--walkers", "-5"),
                     ("--seed", "-5"), ("--step-limit", "-1"), ("--memory-limit", "0"), ("--workers", "two")],
)  # fmt: skip
def test_numeric_options_are_range_checked(tmp_path, capsys, option, value) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(tmp_path, "--agent", "expert", "--bench", "langauto-tiny", option, value)
    assert exit_.value.code == 2 and option in capsys.readouterr().err


def test_an_empty_route_file_is_an_error(tmp_path, capsys) -> None:
    empty = tmp_path / "empty.xml"
    empty.write_text("<routes>\n</routes>\n")
    assert main(tmp_path, "--agent", "expert", "--bench", str(empty)) == 2
    assert "holds no <route>" in capsys.readouterr().err and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "yaml_text,words",
    [("planner: expert\nplan_every: 0\n", "plan_every = 0 must be >= 1"),
     ("planner: expert\ninstructions: \"false\"\n", "instructions: expected bool, got str 'false'"),
     ("planner: expert\nwarmup_ticks: 2.5\n", "warmup_ticks: expected int, got float 2.5"),
     ("planner: expert\nplanner_overrides: {target_speed: fast}\n", "target_speed"),
     ("planner: expert\nplanner_overrides: {num_poses: 0}\n", "num_poses = 0 must be >= 1"),
     ("planner: nobody\n", "unknown planner 'nobody'"),
     ("planner: expert\ntrack: SENSOR\n", "track 'SENSOR'"),
     ("planner: expert\nspeed: 3\nplan_evry: 2\n", "['speed', 'plan_evry']")],
)  # fmt: skip
def test_a_config_error_stops_the_run_before_the_first_route(tmp_path, capsys, yaml_text, words) -> None:
    config = tmp_path / "agent.yaml"
    config.write_text(yaml_text)
    code = main(tmp_path, "--agent", str(REPO / "agents" / "leaderboard_agent.py"), "--agent-config", str(config),
                "--bench", "langauto-tiny")  # fmt: skip
    error = capsys.readouterr().err
    assert code == 2 and words in error and str(config) in error
    assert not (tmp_path / "out").exists(), "nothing was driven or written"


def test_the_run_identity_names_the_config_file_and_its_checkpoint(tmp_path) -> None:
    from routes.benchmarks import load_benchmark
    from sim.run.benchmark_runner import RunOptions
    from sim.run.run_identity import describe_run

    checkpoint = tmp_path / "weights.pt"
    checkpoint.write_bytes(b"weights")
    config = tmp_path / "agent.yaml"
    config.write_text(f"planner: expert\nextra_weights: {checkpoint}\n")
    identity = describe_run(load_benchmark("langauto-tiny", None, "0"), str(run_closed_loop.GENERIC_AGENT),
                            "leaderboard_agent.py", str(config), RunOptions(tmp_path, seed=3)).to_json()  # fmt: skip
    assert identity["agent_config"] == "agent.yaml" and len(identity["agent_config_sha256"]) == 64
    assert identity["checkpoints"] == {"weights.pt": __import__("hashlib").sha256(b"weights").hexdigest()}
    assert identity["seed"] == 3 and identity["benchmark"] == "langauto-tiny"


def run_cli(tmp_path: Path, agent: Path, routes: str) -> subprocess.Popen:
    command = [sys.executable, str(REPO / "run_closed_loop.py"), "--agent", str(agent), "--bench", "langauto-tiny",
               "--routes", routes, "--out", str(tmp_path / "out")]  # fmt: skip
    # Ctrl-C as in a terminal: a shell that started these tests in the background may have handed SIGINT down
    # ignored, and Python then never raises KeyboardInterrupt.
    return subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip


@pytest.mark.slow
def test_ctrl_c_says_truthfully_that_no_route_finished(tmp_path, monkeypatch) -> None:
    agent = REPO / "tests" / "sim" / "run" / "fault_agent.py"
    monkeypatch.setenv("FAULTS", "slow")
    monkeypatch.setenv("FAULT_MARKERS", str(tmp_path))
    monkeypatch.setenv("FAULT_LOG", str(tmp_path / "log"))
    process = run_cli(tmp_path, agent, "0")
    deadline = time.monotonic() + 120
    while not (tmp_path / "log").exists() and time.monotonic() < deadline:  # the agent is set up: a route runs
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=180)  # a loaded machine takes a while to wind the workers down
    assert process.returncode == run_closed_loop.INTERRUPTED
    assert "interrupted before any route of this run finished" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "out" / "results.json").exists()


@pytest.mark.slow
def test_ctrl_c_after_a_route_points_at_the_results(tmp_path, monkeypatch) -> None:
    agent = REPO / "tests" / "sim" / "run" / "fault_agent.py"
    monkeypatch.setenv("FAULTS", "none")
    monkeypatch.setenv("STEP_SLEEP", "0.02")
    monkeypatch.setenv("FAULT_MARKERS", str(tmp_path))
    monkeypatch.setenv("FAULT_LOG", str(tmp_path / "log"))
    process = run_cli(tmp_path, agent, "0,10,12,20,26,34")
    results = tmp_path / "out" / "results.json"
    deadline = time.monotonic() + 180
    while not results.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=180)  # a loaded machine takes a while to wind the workers down
    count = len(json.loads(results.read_text())["_checkpoint"]["records"])
    assert process.returncode == run_closed_loop.INTERRUPTED and 1 <= count < 6
    assert f"{count} finished route(s) are in {results}" in stderr
