"""Leaderboard route scores, statuses and Bench2Drive's summary metrics."""

from __future__ import annotations

import numpy as np
import pytest

from sim.eval.bench2drive import ability_scores, comfortness, driving_score_and_success, efficiency, is_success
from sim.eval.infractions import Infraction, LeaderboardRules
from sim.eval.route_record import RouteStatus, final_status
from tests.sim.eval.record_factory import event, record

LB1, LB2, B2D = LeaderboardRules.LB1, LeaderboardRules.LB2, LeaderboardRules.BENCH2DRIVE


def test_penalties_multiply_and_driving_score_is_rc_times_is() -> None:
    route = record(rc=80.0, events=[event(Infraction.COLLISION_PEDESTRIAN), event(Infraction.COLLISION_VEHICLE)])
    assert route.infraction_penalty(LB1) == pytest.approx(0.5 * 0.6)
    assert route.driving_score(LB1) == pytest.approx(80.0 * 0.3)


@pytest.mark.parametrize(
    "kind,factor",
    [
        (Infraction.COLLISION_STATIC, 0.65),
        (Infraction.RED_LIGHT, 0.70),
        (Infraction.STOP_SIGN, 0.80),
        (Infraction.ROUTE_DEVIATION, 1.0),
        (Infraction.AGENT_BLOCKED, 1.0),
    ],
)
def test_each_penalty_coefficient(kind: Infraction, factor: float) -> None:
    assert record(events=[event(kind)]).infraction_penalty(LB2) == pytest.approx(factor)


def test_outside_lanes_scales_by_the_percentage_and_min_speed_depends_on_rules() -> None:
    assert record(events=[event(Infraction.OUTSIDE_ROUTE_LANES, 20.0)]).infraction_penalty(LB1) == pytest.approx(0.8)
    slow = record(events=[event(Infraction.MIN_SPEED, 50.0)])
    assert slow.infraction_penalty(LB2) == pytest.approx(1 - 0.3 * 0.5)
    assert slow.infraction_penalty(B2D) == 1.0


def test_status_rules() -> None:
    assert final_status(True, (), LB2, None) is RouteStatus.PERFECT
    assert final_status(True, (), LB1, None) is RouteStatus.COMPLETED
    assert final_status(True, (event(Infraction.RED_LIGHT),), LB2, None) is RouteStatus.COMPLETED
    assert final_status(True, (event(Infraction.MIN_SPEED, 80),), B2D, None) is RouteStatus.PERFECT
    assert final_status(False, (event(Infraction.AGENT_BLOCKED),), LB1, None) is RouteStatus.BLOCKED
    assert final_status(False, (event(Infraction.ROUTE_DEVIATION),), LB1, None) is RouteStatus.DEVIATED
    assert final_status(False, (), LB1, RouteStatus.AGENT_CRASHED) is RouteStatus.AGENT_CRASHED


def test_bench2drive_success_ds_and_abilities() -> None:
    ok = record(0, scenario_types=("ParkedObstacle",), status=RouteStatus.PERFECT).to_json(B2D)
    slow = record(1, events=[event(Infraction.MIN_SPEED, 40.0)], scenario_types=("ParkingCutIn",)).to_json(B2D)
    bad = record(2, rc=60.0, events=[event(Infraction.RED_LIGHT)], scenario_types=("ParkingCutIn",)).to_json(B2D)
    assert is_success(ok) and is_success(slow) and not is_success(bad)
    ds, sr = driving_score_and_success([ok, slow, bad], expected_routes=4)
    assert ds == pytest.approx((100 + 100 + 60 * 0.7) / 4) and sr == pytest.approx(2 / 4)
    abilities = ability_scores([ok, slow, bad])
    assert abilities["Overtaking"] == 1.0 and abilities["Emergency_Brake"] == 0.5
    assert efficiency([slow]) == pytest.approx(40.0)


def test_comfortness_of_smooth_and_jerky_driving() -> None:
    t = np.arange(60)
    smooth = np.column_stack([np.full(60, 0.5), np.zeros(60)])
    jerky = np.column_stack([3.0 * np.sign(np.sin(t)), np.zeros(60)])
    assert comfortness(smooth, np.zeros(60)) == 1.0
    assert comfortness(jerky, np.zeros(60)) == 0.0


def test_free_minimum_speed_reports_do_not_spoil_a_perfect_route() -> None:
    assert final_status(True, (event(Infraction.MIN_SPEED, 100.0),), LB2, None) is RouteStatus.PERFECT
    assert final_status(True, (event(Infraction.MIN_SPEED, 50.0),), LB2, None) is RouteStatus.COMPLETED
    assert final_status(True, (event(Infraction.MIN_SPEED, 50.0),), B2D, None) is RouteStatus.PERFECT
