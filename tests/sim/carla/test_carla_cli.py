"""``run_closed_loop.sh --sim carla`` end to end with stand-ins: what is missing, and resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import run_closed_loop
from sim.carla.process_group import group_alive
from tests.sim.carla.stand_ins import STAND_IN_EVALUATOR, runs

REPO = Path(run_closed_loop.__file__).resolve().parent
ROUTE = """<route id="{}" town="Town01"><waypoints><position x="100.0" y="2.0" z="0.0"/>
<position x="150.0" y="2.0" z="0.0"/></waypoints><scenarios/>
<weathers><weather route_percentage="0" sun_altitude_angle="70"/></weathers></route>"""


def test_without_carla_the_command_lists_what_is_missing_and_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("CARLA_ROOT", str(tmp_path))  # a folder without CarlaUE4.sh
    for name in ("LEADERBOARD_ROOT", "SCENARIO_RUNNER_ROOT"):
        monkeypatch.delenv(name, raising=False)
    argv = ["--sim", "carla", "--bench", "bench2drive", "--agent", "expert", "--gpus", "0,1", "--out", str(tmp_path)]
    assert run_closed_loop.main(argv) == 2
    error = capsys.readouterr().err
    assert f"{tmp_path / 'CarlaUE4.sh'} not found" in error
    assert "--leaderboard-root not found; clone Bench2Drive" in error and "--scenario-runner-root not found" in error
    assert "CARLA 0.9.15 needs its own client" in error
    assert not (tmp_path / "results.json").exists()


def drive(tmp_path: Path, port_base: int, *extra: str) -> subprocess.CompletedProcess:
    routes = tmp_path / "routes.xml"
    routes.write_text("<routes>" + "".join(ROUTE.format(i) for i in (1, 2, 3)) + "</routes>")
    command = [sys.executable, str(REPO / "run_closed_loop.py"), "--sim", "carla", "--carla-server", "stand-in",
               "--evaluator", "leaderboard2", "--evaluator-script", str(STAND_IN_EVALUATOR), "--bench", str(routes),
               "--agent", "expert", "--out", str(tmp_path / "out"), "--rpc-port-base", str(port_base),
               "--tm-port-base", str(port_base + 5), *extra]  # fmt: skip
    env = {**os.environ, "STAND_IN_SCRIPT": str(tmp_path / "stand_in_script.json"),
           "STAND_IN_STATE": str(tmp_path / "stand_in_state")}  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=REPO, check=False)


def test_a_killed_run_resumes_without_redoing_or_losing_routes(tmp_path: Path, port_base: int) -> None:
    (tmp_path / "stand_in_state").mkdir()
    (tmp_path / "stand_in_script.json").write_text(json.dumps({"2": ["kill_supervisor", "ok"]}))
    killed = drive(tmp_path, port_base)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    results = tmp_path / "out" / "results.json"
    before = json.loads(results.read_text())["_checkpoint"]["records"]
    assert [r["route_id"] for r in before] == ["RouteScenario_1_rep0"]
    (orphan,) = [json.loads(p.read_text())["pgid"] for p in (tmp_path / "runtime" / "servers").glob("*.json")
                 if "--rpc-port" in json.loads(p.read_text())["marker"]]  # fmt: skip
    assert group_alive(orphan), "the killed supervisor's server outlives it"

    resumed = drive(tmp_path, port_base, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    after = json.loads(results.read_text())
    assert [r["route_id"] for r in after["_checkpoint"]["records"]] == [f"RouteScenario_{i}_rep0" for i in (1, 2, 3)]
    assert after["_checkpoint"]["records"][0] == before[0], "the finished route is kept as it was"
    assert all(r["status"] == "Completed" for r in after["_checkpoint"]["records"])
    assert after["entry_status"] == "Finished"
    assert [(r["route"], r["action"]) for r in runs(tmp_path)] == [("1", "ok"), ("2", "kill_supervisor"), ("2", "ok"),
                                                                   ("3", "ok")]  # fmt: skip
    assert not group_alive(orphan), "the next run ended the orphaned server"
