"""Agents that hang, exit, segfault, run out of memory or raise KeyboardInterrupt cost their route, not the run.

Every fault is injected by ``fault_agent.py`` into one route of the same run (each agent instance
claims a different fault), once with one worker process and once with two; the last route drives
normally. The run must end, with one record per route, each fault named in its record.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routes.benchmarks import load_benchmark
from sim.run.agent_loading import AgentSpec
from sim.run.benchmark_runner import RunOptions, run_benchmark
from sim.run.watchdog import Heartbeat, WatchdogLimits

FAULT_AGENT = Path(__file__).with_name("fault_agent.py")
ROUTES = "0,10,12,20,26,34,44"  # short LangAuto-tiny routes on Town01-04
FAULTS = ("hang", "exit", "os_exit", "segfault", "memory", "interrupt")
CRASHED = "Failed - Agent crashed"
EXPECTED = {  # fault -> (meta.failure, words of meta.error)
    "hang": ("hung", "run_step"),
    "exit": ("exited", "exited with code 3"),
    "os_exit": ("exited", "exited with code 7"),
    "segfault": ("signal", "signal 11 (SIGSEGV)"),
    "memory": ("out_of_memory", "out of memory"),
    "interrupt": (None, "KeyboardInterrupt"),
}
MEMORY_LIMIT_MB = 1536  # a worker driving Town01-04 holds ~500 MB of data; the hog asks for 256 MB at a time


def fault_run(tmp_path: Path, data_dir: Path, monkeypatch, faults, workers: int, limits: WatchdogLimits, routes=ROUTES):
    markers = tmp_path / "markers"
    markers.mkdir()
    log = tmp_path / "faults.log"
    monkeypatch.setenv("FAULTS", ",".join(faults))
    monkeypatch.setenv("FAULT_MARKERS", str(markers))
    monkeypatch.setenv("FAULT_LOG", str(log))
    options = RunOptions(tmp_path / "out", workers=workers, data_dir=str(data_dir), limits=limits)
    payload = run_benchmark(load_benchmark("langauto-tiny", data_dir, routes), AgentSpec(str(FAULT_AGENT)), options)
    return payload, log.read_text().split()


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_every_process_fault_costs_one_route_and_the_run_goes_on(tmp_path, data_dir, monkeypatch, workers) -> None:
    limits = WatchdogLimits(step_seconds=2.0, memory_mb=MEMORY_LIMIT_MB)
    payload, claimed = fault_run(tmp_path, data_dir, monkeypatch, FAULTS, workers, limits)
    records = payload["_checkpoint"]["records"]
    assert [r["index"] for r in records] == list(range(7)) and payload["_checkpoint"]["progress"] == [7, 7]
    assert sorted(claimed) == sorted([*FAULTS, "drive"]), "each route ran in a live worker and claimed one fault"
    assert json.loads((tmp_path / "out" / "results.json").read_text()) == payload
    crashed = [r for r in records if r["status"] == CRASHED]
    assert len(crashed) == len(FAULTS)
    for fault, (failure, words) in EXPECTED.items():
        matching = [r for r in crashed if words in r["meta"]["error"]]
        assert len(matching) == 1, f"{fault}: one record says '{words}': {[r['meta']['error'] for r in crashed]}"
        assert matching[0]["meta"].get("failure") == failure, fault
    driven = [r for r in records if r["status"] != CRASHED]
    assert len(driven) == 1 and driven[0]["scores"]["score_route"] > 0.0
    assert payload["entry_status"] == "Finished with agent errors" and payload["eligible"], (
        "agent faults are the agent's (1.0 says so in the entry status), the run itself went through"
    )


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_route_over_its_wall_clock_limit_is_stopped(tmp_path, data_dir, monkeypatch, workers) -> None:
    limits = WatchdogLimits(step_seconds=0.0, route_factor=0.001, setup_seconds=8.0)
    payload, _ = fault_run(tmp_path, data_dir, monkeypatch, ("slow",), workers, limits, routes="0,10")
    slow = [r for r in payload["_checkpoint"]["records"] if r["status"] == CRASHED]
    assert len(slow) == 1 and slow[0]["meta"]["failure"] == "hung"
    assert "wall-clock limit" in slow[0]["meta"]["error"]


def test_heartbeat_names_the_limit_it_broke() -> None:
    beat = Heartbeat()
    limits = WatchdogLimits(step_seconds=60.0, route_factor=2.0, setup_seconds=600.0)
    beat.route_started()
    start = beat.values[0]
    beat.route_planned(500.0, 405.0)
    assert beat.overdue(limits, start + 1000.0) is None, "600 s setup + 2 x 405 s"
    assert "wall-clock limit of 1410 s" in beat.overdue(limits, start + 1411.0)
    beat.step_started()  # the first step may take long (models load)
    assert beat.overdue(limits, beat.values[1] + 100.0) is None
    beat.step_finished(0.05, 405.0)
    beat.step_started()
    assert "run_step 2" in beat.overdue(limits, beat.values[1] + 61.0)
    beat.route_finished()
    assert beat.overdue(limits, start + 10_000.0) is None, "nothing in flight between routes"


@pytest.mark.parametrize("field,value", [("step_seconds", -1.0), ("route_factor", float("nan")), ("memory_mb", 0)])
def test_limits_reject_nonsense(field, value) -> None:
    with pytest.raises(ValueError, match=field):
        WatchdogLimits(**{field: value})
