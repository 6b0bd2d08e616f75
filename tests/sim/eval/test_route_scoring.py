"""Leaderboard route scores, statuses and Bench2Drive's summary metrics."""

from __future__ import annotations

import pytest

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
    assert final_status(True, (), B2D, None) is RouteStatus.PERFECT
    assert final_status(True, (), LB1, None) is RouteStatus.COMPLETED
    assert final_status(True, (event(Infraction.RED_LIGHT),), LB2, None) is RouteStatus.COMPLETED
    assert final_status(False, (event(Infraction.AGENT_BLOCKED),), LB1, None) is RouteStatus.BLOCKED
    assert final_status(False, (event(Infraction.ROUTE_DEVIATION),), LB1, None) is RouteStatus.DEVIATED
    assert final_status(False, (event(Infraction.ROUTE_TIMEOUT),), LB2, None) is RouteStatus.TIMED_OUT
    assert final_status(False, (), LB1, None) is RouteStatus.FAILED
    assert final_status(False, (), LB1, RouteStatus.AGENT_CRASHED) is RouteStatus.AGENT_CRASHED


def test_any_infraction_text_spoils_a_perfect_route_even_without_a_penalty() -> None:
    """2.0 counts every text (num_infractions > 0 -> Completed); Bench2Drive texts every min-speed checkpoint."""
    assert final_status(True, (event(Infraction.MIN_SPEED, 50.0),), LB2, None) is RouteStatus.COMPLETED
    assert final_status(True, (event(Infraction.MIN_SPEED, 120.0),), B2D, None) is RouteStatus.COMPLETED
