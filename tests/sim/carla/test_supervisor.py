"""The supervisor against stand-in servers and evaluators: faults, retries, statuses, recycling."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sim.carla.supervisor import RouteSupervisor
from sim.eval.infractions import Infraction, LeaderboardRules
from sim.eval.route_record import RouteStatus
from tests.sim.carla.stand_ins import runs, stand_in_config, stand_in_routes

AGENT = ("/agents/my_agent.py", "my_config.yaml")


def supervise(tmp_path: Path, port_base: int, script: dict, route_ids: list[str], **settings):
    supervisor = RouteSupervisor(stand_in_config(tmp_path, port_base, script, **settings), 3, AGENT,
                                 LeaderboardRules.LB2)  # fmt: skip
    try:
        return [supervisor.run_route(route) for route in stand_in_routes(tmp_path, route_ids)], supervisor
    finally:
        supervisor.close()


def test_a_finished_route_keeps_the_evaluators_record(tmp_path: Path, port_base: int) -> None:
    (record,), supervisor = supervise(tmp_path, port_base, {}, ["7"])
    assert record.status is RouteStatus.COMPLETED and record.route_id == "RouteScenario_7"
    assert record.route_completion == 100.0
    assert record.driving_score(LeaderboardRules.LB2) == pytest.approx(100 * 0.6 * 0.975)
    collision = next(e for e in record.infractions if e.kind is Infraction.COLLISION_VEHICLE)
    assert collision.message().startswith("Agent collided against object with type=vehicle.audi.a2 and id=40")
    assert list(collision.location) == [1.5, -2.25, 0.1]
    assert record.extra["attempts"] == 1 and record.extra["evaluator_status"] == "Completed"
    (run,) = runs(tmp_path)
    assert run["adapter"] == 3, "the server renders on the supervisor's GPU"
    assert (run["agent"], run["agent_config"]) == AGENT
    assert run["port"] >= port_base and run["tm_port"] == run["port"] + 3


def test_a_crashed_server_is_restarted_and_the_route_retried(tmp_path: Path, port_base: int) -> None:
    (record,), supervisor = supervise(tmp_path, port_base, {"7": ["server_crash", "ok"]}, ["7"])
    assert record.status is RouteStatus.COMPLETED and record.extra["attempts"] == 2
    assert "exited with code" in record.extra["attempt_errors"][0]
    assert supervisor.server.starts == 2
    assert [r["action"] for r in runs(tmp_path)] == ["server_crash", "ok"]


def test_a_killed_server_on_every_attempt_ends_as_a_simulation_crash(tmp_path: Path, port_base: int) -> None:
    (record, after), _ = supervise(tmp_path, port_base, {"7": ["server_kill"]}, ["7", "8"])
    assert record.status is RouteStatus.SIMULATION_CRASHED and record.extra["attempts"] == 3
    assert record.error.count("server process exited with code -9") == 3
    assert after.status is RouteStatus.COMPLETED, "the next route runs on a fresh server"


def test_a_hung_server_is_detected_by_its_ticks_not_the_client_timeout(tmp_path: Path, port_base: int) -> None:
    started = time.monotonic()
    (record,), _ = supervise(tmp_path, port_base, {"7": ["server_hang", "ok"]}, ["7"])
    assert record.status is RouteStatus.COMPLETED and record.extra["attempts"] == 2
    assert "server hung: no tick for" in record.extra["attempt_errors"][0]
    assert time.monotonic() - started < 60, "the stand-in evaluator would wait 600 s for the hung server"


def test_agent_failures_are_final_and_told_apart_from_simulator_crashes(tmp_path: Path, port_base: int) -> None:
    script = {"1": ["agent_crash", "ok"], "2": ["evaluator_exit", "ok"], "3": ["evaluator_hang", "ok"]}
    records, _ = supervise(tmp_path, port_base, script, ["1", "2", "3"], evaluator={"route_wall_limit_s": 2.0})
    reported, died, stalled = records
    assert reported.status is RouteStatus.AGENT_CRASHED and reported.route_completion == 30.0
    assert died.status is RouteStatus.AGENT_CRASHED and "exited with code 1" in died.error
    assert stalled.status is RouteStatus.AGENT_CRASHED and "wall clock" in stalled.error
    assert all(r.extra["attempts"] == 1 for r in records), "an agent's failure is not retried"


def test_the_server_is_recycled_every_k_routes(tmp_path: Path, port_base: int) -> None:
    records, supervisor = supervise(tmp_path, port_base, {}, ["1", "2", "3", "4", "5"], recycle_every=2)
    assert all(r.status is RouteStatus.COMPLETED for r in records)
    assert supervisor.server.starts == 3
